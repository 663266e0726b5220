"""WebSocket URL patterns (named ws_urls so nothing shadows Channels' own `routing` module)."""

from __future__ import annotations

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
