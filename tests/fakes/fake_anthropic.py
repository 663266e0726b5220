"""A fake Anthropic Messages API (POST /v1/messages), JSON and SSE, including tool_use blocks.

Streaming follows the documented event sequence: message_start, content_block_start, content_block_delta
(text_delta / input_json_delta), content_block_stop, message_delta (stop_reason, usage), message_stop.
"""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.llm_server import FakeLLMServer, RecordedRequest, Reply

__all__ = ["FakeAnthropic", "Reply"]


class FakeAnthropic(FakeLLMServer):
    """Scripted Messages endpoint; the SDK's base_url is the server root (it appends /v1/messages)."""

    api_prefix = ""

    def route(self, path: str) -> bool:
        return path.split("?")[0].rstrip("/") == "/v1/messages"

    def error_body(self, reply: Reply) -> dict[str, Any]:
        kind = "rate_limit_error" if reply.status == 429 else "api_error"
        return {"type": "error", "error": {"type": kind, "message": reply.error_message or kind}}

    def _blocks(self, reply: Reply) -> list[dict[str, Any]]:
        number = len(self.requests)
        blocks: list[dict[str, Any]] = []
        if reply.text:
            blocks.append({"type": "text", "text": reply.text})
        blocks.extend(
            {"type": "tool_use", "id": f"toolu_{number}_{i}", "name": name, "input": arguments}
            for i, (name, arguments) in enumerate(reply.tool_calls)
        )
        return blocks

    def _message(self, request: RecordedRequest, reply: Reply, content: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": f"msg_{len(self.requests)}",
            "type": "message",
            "role": "assistant",
            "model": request.body.get("model", ""),
            "content": content,
            "stop_reason": "tool_use" if reply.tool_calls else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": reply.prompt_tokens, "output_tokens": reply.completion_tokens},
        }

    def json_body(self, request: RecordedRequest, reply: Reply) -> dict[str, Any]:
        return self._message(request, reply, self._blocks(reply))

    def sse_events(self, request: RecordedRequest, reply: Reply) -> list[bytes]:
        def event(kind: str, data: dict[str, Any]) -> bytes:
            return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()

        start = self._message(request, reply, [])
        start["stop_reason"] = None
        start["usage"] = {"input_tokens": reply.prompt_tokens, "output_tokens": 1}
        events = [event("message_start", {"message": start})]
        for index, block in enumerate(self._blocks(reply)):
            if block["type"] == "text":
                events.append(
                    event("content_block_start", {"index": index, "content_block": {"type": "text", "text": ""}})
                )
                for i, word in enumerate(block["text"].split(" ")):
                    delta = {"type": "text_delta", "text": word if i == 0 else f" {word}"}
                    events.append(event("content_block_delta", {"index": index, "delta": delta}))
            else:
                opening = {**block, "input": {}}
                events.append(event("content_block_start", {"index": index, "content_block": opening}))
                encoded = json.dumps(block["input"])
                half = len(encoded) // 2
                for part in (encoded[:half], encoded[half:]):
                    delta = {"type": "input_json_delta", "partial_json": part}
                    events.append(event("content_block_delta", {"index": index, "delta": delta}))
            events.append(event("content_block_stop", {"index": index}))
        stop = "tool_use" if reply.tool_calls else "end_turn"
        events.append(
            event(
                "message_delta",
                {
                    "delta": {"stop_reason": stop, "stop_sequence": None},
                    "usage": {"output_tokens": reply.completion_tokens},
                },
            )
        )
        events.append(event("message_stop", {}))
        return events
