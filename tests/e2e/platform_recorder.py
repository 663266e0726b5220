"""A fake chat-platform API on 127.0.0.1 that records what the gateway sends.

It answers Telegram's `POST /bot<token>/<method>` and Slack's `POST /chat.postMessage` the way the real APIs do on
success, and can be told to answer the next requests with 429 + Retry-After, so delivery retries are exercised over
real HTTP. Used by the schedule and end-to-end tests until (and alongside) the per-platform fakes.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class PlatformRecorder:
    """Start with `start()`; `url` is the base URL to put in a channel instance's api_base_url."""

    requests: list[Recorded] = field(default_factory=list)
    fail_next: int = 0
    retry_after: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self._changed = threading.Condition(self._lock)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> PlatformRecorder:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                status, answer, headers = recorder._answer(self.path, body, dict(self.headers))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def _answer(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict, dict[str, str]]:
        with self._changed:
            if self.fail_next > 0:
                self.fail_next -= 1
                retry = {"Retry-After": str(self.retry_after)}
                if "/bot" in path:
                    answer = {"ok": False, "error_code": 429, "description": "Too Many Requests"}
                    return 429, {**answer, "parameters": {"retry_after": self.retry_after}}, retry
                return 429, {"ok": False, "error": "ratelimited"}, retry
            self.requests.append(Recorded("POST", path, headers, body))
            number = len(self.requests)
            self._changed.notify_all()
        if "/bot" in path:
            return 200, {"ok": True, "result": {"message_id": number, "chat": {"id": body.get("chat_id")}}}, {}
        return 200, {"ok": True, "channel": body.get("channel"), "ts": f"1700000000.{number:06d}"}, {}

    def sent_texts(self) -> list[str]:
        with self._lock:
            return [str(item.body.get("text", "")) for item in self.requests]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Recorded]:
        """Block until `count` requests arrived (or the timeout passed); returns what arrived."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.requests) < count and time.monotonic() < deadline:
                self._changed.wait(max(0.0, deadline - time.monotonic()))
            return list(self.requests)
