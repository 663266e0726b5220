"""A fake Telegram Bot API for long polling on 127.0.0.1: getMe, getUpdates with real offset semantics, sendMessage,
getWebhookInfo and deleteWebhook.

Offsets follow PLATFORMS.md §5.4: an update is confirmed (deleted) once getUpdates is called with an offset greater
than its update_id. A second concurrent poller gets 409 "terminated by other getUpdates request", and `webhook_url`
set makes getUpdates answer 409 "can't use getUpdates method while webhook is active", as Telegram does.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.loopback import LoopbackHTTPServer


class FakeTelegramPoll(LoopbackHTTPServer):
    def __init__(self, token: str = "7000000001:TEST-token", username: str = "acme_agent_bot") -> None:
        self.token = token
        self.username = username
        self.pending: list[dict[str, Any]] = []
        self.offsets: list[int | None] = []
        self.sent: list[dict[str, Any]] = []
        self.webhook_url = ""
        self.conflicts = 0
        self._polling = 0
        self._next_message_id = 9000
        self._cond = threading.Condition()
        super().__init__(self._handler())

    @property
    def url(self) -> str:
        return self.root_url

    def push(self, update: dict[str, Any]) -> None:
        """A user writes to the bot: the update waits until a poller fetches and confirms it."""
        with self._cond:
            self.pending.append(update)
            self._cond.notify_all()

    def wait_for_sent(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.sent) < count and time.monotonic() < deadline:
                self._cond.wait(0.05)
            return list(self.sent)

    # -- Bot API ---------------------------------------------------------------------------------------------
    def _get_updates(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.webhook_url:
            return 409, {
                "ok": False,
                "error_code": 409,
                "description": "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            }
        offset = body.get("offset")
        timeout = float(body.get("timeout") or 0)
        limit = int(body.get("limit") or 100)
        with self._cond:
            self.offsets.append(offset)
            if self._polling:
                self.conflicts += 1
                return 409, {
                    "ok": False,
                    "error_code": 409,
                    "description": "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                }
            if isinstance(offset, int):
                self.pending = [u for u in self.pending if u["update_id"] >= offset]  # confirmed → deleted
            self._polling += 1
            try:
                deadline = time.monotonic() + timeout
                while not self.pending and time.monotonic() < deadline:
                    self._cond.wait(min(0.05, max(0.0, deadline - time.monotonic())))
                result = sorted(self.pending, key=lambda u: u["update_id"])[:limit]
            finally:
                self._polling -= 1
        return 200, {"ok": True, "result": result}

    def _send_message(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._cond:
            self._next_message_id += 1
            self.sent.append(body)
            self._cond.notify_all()
            message = {
                "message_id": self._next_message_id,
                "date": int(time.time()),
                "chat": {"id": body.get("chat_id")},
                "text": body.get("text"),
            }
        return 200, {"ok": True, "result": message}

    def _handle(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path[len(prefix) :]
        if method == "getMe":
            return 200, {
                "ok": True,
                "result": {
                    "id": int(self.token.split(":")[0]),
                    "is_bot": True,
                    "first_name": "Acme",
                    "username": self.username,
                },
            }
        if method == "getUpdates":
            return self._get_updates(body)
        if method == "getWebhookInfo":
            return 200, {"ok": True, "result": {"url": self.webhook_url, "pending_update_count": len(self.pending)}}
        if method == "deleteWebhook":
            self.webhook_url = ""
            return 200, {"ok": True, "result": True}
        if method == "sendMessage":
            return self._send_message(body)
        if method == "sendChatAction":
            return 200, {"ok": True, "result": True}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                status, data = fake._handle(self.path, body)
                out = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST  # noqa: N815 - Telegram accepts both

        return Handler
