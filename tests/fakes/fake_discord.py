"""A fake Discord REST API on 127.0.0.1: Create Message (with nonce idempotency), interaction webhooks, typing.

It speaks the documented shapes (PLATFORMS.md §6.5, §6.7, §6.8): `X-RateLimit-*` headers on every answer, a
scripted 429 with `retry_after`, and `enforce_nonce` returning the earlier message instead of a duplicate.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote

from tests.fakes.loopback import LoopbackHTTPServer


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeDiscord(LoopbackHTTPServer):
    api_prefix = "/api/v10"

    def __init__(self, token: str = "bot-token-for-tests") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.messages: list[dict[str, Any]] = []
        self.reactions: list[tuple[str, str, str]] = []  # (PUT|DELETE, message id, emoji)
        self.rate_limit_next = 0  # answer this many Create Message calls with 429 first
        self._nonces: dict[str, dict[str, Any]] = {}
        self._next_id = 1500000000000000000
        self._cond = threading.Condition()
        super().__init__(self._handler())

    @property
    def url(self) -> str:
        return f"{self.root_url}{self.api_prefix}"

    def wait_for(self, count: int, timeout: float = 10.0, method: str | None = None) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while time.monotonic() < deadline:
                calls = [c for c in self.calls if method is None or c.method == method]
                calls = [c for c in calls if not c.path.endswith("/typing")]
                if len(calls) >= count:
                    return calls
                self._cond.wait(0.05)
            return [c for c in self.calls if not c.path.endswith("/typing") and (method is None or c.method == method)]

    def _new_message(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        self._next_id += 1
        return {
            "id": str(self._next_id),
            "channel_id": channel_id,
            "content": body.get("content", ""),
            "author": {"id": "1300000000000000002", "bot": True},
        }

    def _handle(self, method: str, path: str, headers: dict[str, str], body: dict[str, Any]):
        rate_headers = {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "4",
            "X-RateLimit-Reset-After": "1.0",
            "X-RateLimit-Bucket": "fake-bucket",
        }
        path = path[len(self.api_prefix) :] if path.startswith(self.api_prefix) else path
        with self._cond:
            self.calls.append(Call(method, path, headers, body))
            self._cond.notify_all()
            if match := re.fullmatch(r"/channels/(\d+)/messages", path):
                if headers.get("authorization") != f"Bot {self.token}":
                    return 401, {"message": "401: Unauthorized", "code": 0}, {}
                if self.rate_limit_next:
                    self.rate_limit_next -= 1
                    return (
                        429,
                        {"message": "You are being rate limited.", "retry_after": 0.05, "global": False},
                        {
                            "Retry-After": "1",
                            "X-RateLimit-Remaining": "0",
                            "X-RateLimit-Reset-After": "0.05",
                            "X-RateLimit-Scope": "user",
                        },
                    )
                if len(str(body.get("content", ""))) > 2000:
                    return 400, {"message": "Invalid Form Body", "code": 50035}, rate_headers
                nonce = body.get("nonce")
                if nonce and body.get("enforce_nonce") and nonce in self._nonces:
                    return 200, self._nonces[nonce], rate_headers  # the earlier message, not a duplicate
                message = self._new_message(match.group(1), body)
                if nonce:
                    self._nonces[nonce] = message
                self.messages.append(body)
                return 200, message, rate_headers
            if match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path):
                if method == "PATCH":  # edit a message of ours
                    return 200, {**self._new_message(match.group(1), body), "id": match.group(2)}, rate_headers
                if method == "DELETE":
                    return 204, {}, rate_headers
            if re.fullmatch(r"/channels/(\d+)/typing", path):
                return 204, {}, rate_headers
            if match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/reactions/([^/]+)/@me", path):
                self.reactions.append((method, match.group(2), unquote(match.group(3))))
                return 204, {}, rate_headers
            if match := re.fullmatch(r"/webhooks/(\d+)/([^/]+)(/messages/@original)?", path):
                self.messages.append(body)
                return 200, self._new_message("interaction", body), rate_headers
        return 404, {"message": "404: Not Found", "code": 0}, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, data, extra = fake._handle(self.command, self.path, headers, body)
                out = b"" if status == 204 else json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                for key, value in extra.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any  # noqa: N815 - http.server naming

        return Handler
