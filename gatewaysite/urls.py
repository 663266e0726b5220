"""URL composition: each app owns its URLs; this module only mounts them."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("webhooks/", include("channels_app.urls")),
    path("webhook/", include("channels_app.platform_urls")),
    path("hooks/", include("routing.hooks.urls")),
    path("api/push/poll/", include("channels_app.realtime.poll_urls")),
    path("api/", include("routing.api.urls")),
    path("ops/", include("routing.ui.urls")),
    path("", include("routing.urls")),
]
