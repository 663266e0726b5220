"""The benches' model: tests/fakes' OpenAI-compatible server (JSON and SSE) in a process of its own, answering at once.

Why a process of its own: the gateway reaches it through the real `openai` SDK over HTTP, as a deployment reaches its
provider, and the fake's own CPU then never counts as the gateway's. The answer quotes the last user message
("<message> done"), so a bench can match every reply to the message it answers.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

from tests.fakes.fake_openai import FakeOpenAI, Reply
from tests.fakes.llm_server import RecordedRequest


def _last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else str(content)
    return ""


class EchoingOpenAI(FakeOpenAI):
    """FakeOpenAI whose every answer is "<last user message> done"; forgets requests (a long bench would hoard them)."""

    def _reply(self, request: RecordedRequest, reply: Reply) -> Reply:
        self.requests.clear()
        return Reply(text=f"{_last_user_text(request.body)} done")

    def json_body(self, request: RecordedRequest, reply: Reply) -> dict[str, Any]:
        return super().json_body(request, self._reply(request, reply))

    def sse_events(self, request: RecordedRequest, reply: Reply) -> list[bytes]:
        return super().sse_events(request, self._reply(request, reply))


def _serve(urls: Any, stop: Any) -> None:
    with EchoingOpenAI() as fake:
        urls.put(fake.base_url)
        stop.wait()


class ModelProcess:
    """`with ModelProcess() as base_url:` — the fake model's /v1 base URL while the block runs."""

    def __enter__(self) -> str:
        context = multiprocessing.get_context("spawn")
        urls = context.Queue()
        self._stop = context.Event()
        self._process = context.Process(target=_serve, args=(urls, self._stop), daemon=True)
        self._process.start()
        return str(urls.get(timeout=30))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(5)
        if self._process.is_alive():
            self._process.kill()
