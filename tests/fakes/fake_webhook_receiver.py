"""A real HTTP/1.1 server on 127.0.0.1 that records every request and answers from a script.

The base of the fake platforms (fake_slack, fake_whatsapp, fake_telegram) and, as is, the customer endpoint
that receives the generic webhook's signed callbacks. Scripted answers are consumed in order by requests
whose path ends with the scripted suffix; anything unscripted gets `default_answer`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.loopback import LoopbackHTTPServer


@dataclass
class Answer:
    """One scripted HTTP answer."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Recorded:
    """What arrived: method, path, headers (original names, case-insensitive lookup via `header`), raw body."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    status: int = 0
    at: float = field(default_factory=time.monotonic)  # arrival time, for latency measurements

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")

    @property
    def json(self) -> Any:
        return json.loads(self.raw or b"null")


class FakeHTTPServer(LoopbackHTTPServer):
    """Start with `with FakeX() as fake:`; `fake.url` is its base URL, `fake.requests` what it received."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._script: dict[str, deque[Answer]] = {}
        self._lock = threading.Condition()
        super().__init__(self._handler_class())

    # lifecycle ---------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.root_url

    # scripting and inspection ------------------------------------------------------------------------------
    def script(self, path_suffix: str, *answers: Answer) -> None:
        with self._lock:
            self._script.setdefault(path_suffix, deque()).extend(answers)

    def received(self, path_suffix: str = "") -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.split("?")[0].endswith(path_suffix)]

    def wait_for(self, count: int, path_suffix: str = "", timeout: float = 10.0) -> list[Recorded]:
        """Block until at least `count` matching requests have been answered (or the timeout passes)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                matching = [r for r in self.requests if r.status and r.path.split("?")[0].endswith(path_suffix)]
                if len(matching) >= count or time.monotonic() >= deadline:
                    return matching
                self._lock.wait(timeout=max(0.0, min(0.1, deadline - time.monotonic())))

    def default_answer(self, request: Recorded) -> Answer:
        return Answer(200, {"ok": True})

    def _answer_for(self, request: Recorded) -> Answer:
        path = request.path.split("?")[0]
        with self._lock:
            for suffix, queue in self._script.items():
                if path.endswith(suffix) and queue:
                    return queue.popleft()
        return self.default_answer(request)

    # HTTP plumbing -----------------------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 1 << 16  # headers and body in one write: no Nagle/delayed-ACK stalls
            disable_nagle_algorithm = True

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                request = Recorded(self.command, self.path, dict(self.headers.items()), raw)
                with fake._lock:
                    fake.requests.append(request)
                answer = fake._answer_for(request)
                if answer.delay:
                    time.sleep(answer.delay)
                body = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)
                with fake._lock:
                    request.status = answer.status
                    fake._lock.notify_all()

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, *args: object) -> None:
                pass

        return Handler


class FakeWebhookReceiver(FakeHTTPServer):
    """A customer's callback endpoint: 200 to everything unless scripted."""

    def default_answer(self, request: Recorded) -> Answer:
        return Answer(200, {"received": True})
