"""The host's URLs: its own page and admin, and the whole gateway under /gateway/ with one include()."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("the host project's own page")


urlpatterns = [
    path("", hello),
    path("admin/", admin.site.urls),
    path("gateway/", include("gatewaysite.gateway_urls")),
]
