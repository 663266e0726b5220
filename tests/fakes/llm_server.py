"""Shared plumbing of the fake LLM servers: a real HTTP/1.1 server on 127.0.0.1 in a thread, with scripted replies.

Each fake (fake_openai, fake_anthropic) turns a scripted `Reply` into its provider's documented JSON or SSE shapes;
this module only records requests and writes bytes (Content-Length or chunked for SSE, keep-alive).
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
class Reply:
    """One scripted answer: text, tool calls [(name, arguments)], or an HTTP error with headers."""

    text: str = ""
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    error_message: str = ""
    prompt_tokens: int = 11
    completion_tokens: int = 7
    delay: float = 0.0  # seconds the server waits before answering (concurrency tests)


@dataclass
class RecordedRequest:
    """What the fake received: path, headers (lower-case names), parsed JSON body, arrival time (monotonic)."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


class FakeLLMServer(LoopbackHTTPServer):
    """Base of the fakes: `script(...)` queues replies, `requests` records what arrived; unscripted calls get
    `default`. Use as a context manager or call start()/stop()."""

    api_prefix = "/v1"

    def __init__(self, default: Reply | None = None) -> None:
        self.default = default or Reply(text="ok")
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        super().__init__(self._handler_class())

    # lifecycle -----------------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"{self.root_url}{self.api_prefix}"

    # scripting -----------------------------------------------------------------------------------------------
    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def next_reply(self) -> Reply:
        with self._lock:
            return self._script.popleft() if self._script else self.default

    # provider-specific hooks -----------------------------------------------------------------------------------
    def route(self, path: str) -> bool:
        raise NotImplementedError

    def error_body(self, reply: Reply) -> dict[str, Any]:
        raise NotImplementedError

    def json_body(self, request: RecordedRequest, reply: Reply) -> dict[str, Any]:
        raise NotImplementedError

    def sse_events(self, request: RecordedRequest, reply: Reply) -> list[bytes]:
        raise NotImplementedError

    # HTTP ----------------------------------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 1 << 16  # headers and body leave in one write (no Nagle/delayed-ACK stalls)
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if not fake.route(self.path):
                    self._send_json(404, {"error": {"message": f"no route {self.path}"}})
                    return
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    self._send_json(400, {"error": {"message": "body is not JSON"}})
                    return
                request = RecordedRequest(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic()
                )
                with fake._lock:
                    fake.requests.append(request)
                reply = fake.next_reply()
                with fake._lock:
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    if reply.delay:
                        time.sleep(reply.delay)
                    self._answer(request, body, reply)
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

            def _answer(self, request: RecordedRequest, body: dict[str, Any], reply: Reply) -> None:
                if reply.status != 200:
                    self._send_json(reply.status, fake.error_body(reply), reply.headers)
                elif body.get("stream"):
                    self._send_sse(fake.sse_events(request, reply))
                else:
                    self._send_json(200, fake.json_body(request, reply))

            def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _send_sse(self, events: list[bytes]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for event in events:
                    self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")

        return Handler


def unused_port() -> int:
    """A port on 127.0.0.1 where nothing listens (for "unreachable" tests)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
