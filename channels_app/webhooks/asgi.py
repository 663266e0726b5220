"""ASGI fast path: `/webhooks/<instance>/` goes straight to the async webhook view; everything else to Django.

Why: Django's ASGI handler runs each request inside its own thread-sensitive context, so every sync
middleware hook and request signal (about fifteen per request with our middleware list) hops to a freshly
created thread and back. Under load, with the embedded workers holding the GIL, each hop costs up to a GIL
switch interval — that, not the work, was most of a webhook's acknowledgement time. None of that middleware
serves a webhook (no session, user, CSRF or HTML): platforms authenticate by signature, which the view
checks on the raw body. The view is the same function Django routes to (tests drive it through the test
client), so both doors behave alike; this one just does not stop at the middleware.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, JsonResponse

from channels_app.events import bind_event_loop
from channels_app.webhooks.ingress import gauge
from channels_app.webhooks.views import webhook

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Same shape as channels_app/urls.py (`<slug:name>/` under /webhooks/); anything else falls through, so
# Django still answers a missing slash with its redirect.
WEBHOOK_PATH = re.compile(r"^/webhooks/(?P<name>[-a-zA-Z0-9_]+)/$")


class Disconnected(Exception):
    """The client went away before its body arrived."""


async def read_body(receive: Receive, limit: int) -> bytes:
    """The request body, drained to the end but kept only up to `limit` + 1 bytes (the view answers 413)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected
        chunk = message.get("body", b"")
        if size <= limit:
            chunks.append(chunk[: limit + 1 - size])
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def send_response(response: HttpResponse, send: Send) -> None:
    content = response.content
    headers = [(key.encode("ascii"), value.encode("latin1")) for key, value in response.items()]
    if not response.has_header("Content-Length"):
        headers.append((b"content-length", str(len(content)).encode("ascii")))
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": content})


class WebhookFastPath:
    """ASGI middleware around Django's HTTP application."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._bound = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._bound:
            # Pipeline events go to consumers on this (the server's) loop; a sync view used to reveal it.
            bind_event_loop(asyncio.get_running_loop())
            self._bound = True
        match = self._match(scope)
        if match is None:
            await self.app(scope, receive, send)
            return
        gauge.enter()  # background workers step aside until this is acknowledged (ingress.py)
        try:
            await self._serve(match["name"], scope, receive, send)
        finally:
            gauge.leave()

    @staticmethod
    async def _serve(name: str, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body = await read_body(receive, settings.GATEWAY_MAX_BODY_BYTES)
        except Disconnected:
            return
        request = ASGIRequest(scope, io.BytesIO(body))
        try:
            response = await webhook(request, name)
        except Exception:
            logger.exception("webhook %s: unhandled error", name)
            response = JsonResponse({"error": "internal error"}, status=500)
        await send_response(response, send)

    @staticmethod
    def _match(scope: Scope) -> re.Match[str] | None:
        if scope["type"] != "http":
            return None
        path: str = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        return WEBHOOK_PATH.match(path)
