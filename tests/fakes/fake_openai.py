"""A fake OpenAI-compatible server (POST /v1/chat/completions), JSON and SSE, including tool calls.

Shapes follow the Chat Completions reference: `choices[0].message` with `tool_calls[{id, type, function{name,
arguments}}]`, streaming `chat.completion.chunk` objects with `delta`, a final usage chunk when
`stream_options.include_usage` is set, and `data: [DONE]`.
"""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.llm_server import FakeLLMServer, RecordedRequest, Reply

__all__ = ["FakeOpenAI", "Reply"]


class FakeOpenAI(FakeLLMServer):
    """Scripted Chat Completions endpoint at `base_url` (…/v1)."""

    def route(self, path: str) -> bool:
        return path.rstrip("/") == "/v1/chat/completions"

    def error_body(self, reply: Reply) -> dict[str, Any]:
        kind = "rate_limit_exceeded" if reply.status == 429 else "server_error"
        return {"error": {"message": reply.error_message or kind, "type": kind, "code": kind}}

    @staticmethod
    def _call_id(index: int, request_number: int) -> str:
        return f"call_{request_number}_{index}"

    def json_body(self, request: RecordedRequest, reply: Reply) -> dict[str, Any]:
        number = len(self.requests)
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        if reply.tool_calls:
            message["tool_calls"] = [
                {
                    "id": self._call_id(i, number),
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(arguments)},
                }
                for i, (name, arguments) in enumerate(reply.tool_calls)
            ]
        return {
            "id": f"chatcmpl-{number}",
            "object": "chat.completion",
            "created": 1700000000,
            "model": request.body.get("model", ""),
            "choices": [
                {"index": 0, "message": message, "finish_reason": "tool_calls" if reply.tool_calls else "stop"}
            ],
            "usage": {
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            },
        }

    def sse_events(self, request: RecordedRequest, reply: Reply) -> list[bytes]:
        number = len(self.requests)
        model = request.body.get("model", "")

        def chunk(delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None) -> bytes:
            payload: dict[str, Any] = {
                "id": f"chatcmpl-{number}",
                "object": "chat.completion.chunk",
                "created": 1700000000,
                "model": model,
                "choices": [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            if usage:
                payload["usage"] = usage
            return f"data: {json.dumps(payload)}\n\n".encode()

        events = [chunk({"role": "assistant", "content": ""})]
        words = reply.text.split(" ")
        events.extend(chunk({"content": w if i == 0 else f" {w}"}) for i, w in enumerate(words) if reply.text)
        for i, (name, arguments) in enumerate(reply.tool_calls):
            encoded = json.dumps(arguments)
            half = len(encoded) // 2
            start = {"index": i, "id": self._call_id(i, number), "type": "function"}
            events.append(chunk({"tool_calls": [{**start, "function": {"name": name, "arguments": ""}}]}))
            events.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": encoded[:half]}}]}))
            events.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": encoded[half:]}}]}))
        events.append(chunk({}, finish="tool_calls" if reply.tool_calls else "stop"))
        if (request.body.get("stream_options") or {}).get("include_usage"):
            usage = {
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            }
            events.append(chunk({}, usage=usage))
        events.append(b"data: [DONE]\n\n")
        return events
