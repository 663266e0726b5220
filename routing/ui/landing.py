"""The page at `/`: what this server is and where to go (admin, operator pages, API docs, health). No secrets, no
counts that need a login."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "landing.html", {"webhook_base": request.build_absolute_uri("/webhooks/")})
