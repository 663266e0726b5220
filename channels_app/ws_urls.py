"""WebSocket URL patterns (named ws_urls so nothing shadows Channels' own `routing` module)."""

from __future__ import annotations

from django.urls import URLPattern, re_path

from channels_app.realtime.consumers import GatewayConsumer

websocket_urlpatterns: list[URLPattern] = [
    re_path(r"^ws/?$", GatewayConsumer.as_asgi()),
]
