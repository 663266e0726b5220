"""WebSocket URL patterns (named ws_urls so nothing shadows Channels' own `routing` module).

A WebSocket to any other path is refused cleanly, never with a 500 (Channels' router raises for an unmatched path and
Daphne turns that into a 500): the last route closes before accepting, which Daphne answers with 403. `rungateway`
refuses earlier still, with a 404, from its server layer (`is_websocket_path`, routing/serving/server.py).
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, re_path

from channels_app.realtime.consumers import GatewayConsumer

UNKNOWN_PATH = "websocket-unknown-path"


async def refuse_unknown_path(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Close before accepting: the handshake fails with HTTP 403 under Daphne."""
    message = await receive()
    if message.get("type") == "websocket.connect":
        await send({"type": "websocket.close", "code": 1000})


websocket_urlpatterns: list[URLPattern] = [
    re_path(r"^ws/?$", GatewayConsumer.as_asgi()),
    re_path(r"", refuse_unknown_path, name=UNKNOWN_PATH),
]


def is_websocket_path(path: str) -> bool:
    """Whether a WebSocket handshake to `path` reaches a consumer (Channels matches without the leading slash)."""
    route = path.split("?", 1)[0].lstrip("/")
    return any(p.name != UNKNOWN_PATH and p.pattern.match(route) for p in websocket_urlpatterns)
