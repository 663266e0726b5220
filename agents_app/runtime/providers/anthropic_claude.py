"""Claude through the official Anthropic SDK (Messages API), including tool use and SSE streaming.

The installed SDK's `messages.create` has no temperature parameter, so an agent's temperature is not sent to Claude.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic

from agents_app.runtime.providers.base import Message, ModelRequest, ModelResponse, ToolCall, parse_tool_arguments
from agents_app.runtime.providers.errors import translate_sdk_error
from agents_app.runtime.types import Usage


def to_anthropic_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """The neutral conversation as Messages API turns: tool calls become tool_use blocks, results tool_result
    blocks in one user turn (the API wants strictly alternating roles)."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if not out and message.role == "assistant":
            continue  # a capped history may start with a reply; the Messages API wants a user turn first
        if message.role != "tool" and not message.content and not message.tool_calls:
            continue  # empty text blocks are rejected
        if message.role == "tool":
            block: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id,
                "content": message.content,
            }
            if message.is_error:
                block["is_error"] = True
            if out and out[-1]["role"] == "user" and isinstance(out[-1]["content"], list):
                out[-1]["content"].append(block)
            else:
                out.append({"role": "user", "content": [block]})
        elif message.role == "assistant" and message.tool_calls:
            blocks: list[dict[str, Any]] = []
            if message.content:
                blocks.append({"type": "text", "text": message.content})
            blocks.extend(
                {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
                for call in message.tool_calls
            )
            out.append({"role": "assistant", "content": blocks})
        else:
            out.append({"role": message.role, "content": message.content})
    return out


class AnthropicProvider:
    """One AsyncAnthropic client (bound to one event loop, base_url and key)."""

    name = "anthropic"

    def __init__(self, client: anthropic.AsyncAnthropic) -> None:
        self.client = client

    async def aclose(self) -> None:
        """Close the HTTP pool (called when the owning event loop shuts down)."""
        await self.client.close()

    def _params(self, request: ModelRequest) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "messages": to_anthropic_messages(request.messages),
        }
        if request.system:
            params["system"] = request.system
        if request.tools:
            params["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters} for t in request.tools
            ]
            if not request.allow_tool_calls:
                params["tool_choice"] = {"type": "none"}
        return params

    async def complete(self, request: ModelRequest) -> ModelResponse:
        try:
            message = await self.client.messages.create(**self._params(request))
        except anthropic.AnthropicError as exc:
            raise translate_sdk_error(exc) from exc
        texts: list[str] = []
        calls: list[ToolCall] = []
        for block in message.content:
            if block.type == "text":
                texts.append(block.text)
            elif block.type == "tool_use":
                arguments = block.input if isinstance(block.input, dict) else {"_raw": block.input}
                calls.append(ToolCall(id=block.id, name=block.name, arguments=arguments))
        usage = Usage(message.usage.input_tokens or 0, message.usage.output_tokens or 0)
        return ModelResponse(text="".join(texts), tool_calls=calls, usage=usage, model=message.model or request.model)

    async def stream(self, request: ModelRequest) -> AsyncIterator[str | ModelResponse]:
        params = self._params(request)
        params["stream"] = True
        texts: list[str] = []
        blocks: dict[int, dict[str, str]] = {}
        usage = Usage()
        model = request.model
        try:
            events = await self.client.messages.create(**params)
            async for event in events:
                if event.type == "message_start":
                    model = event.message.model or model
                    usage.prompt_tokens = event.message.usage.input_tokens or 0
                    usage.completion_tokens = event.message.usage.output_tokens or 0
                elif event.type == "content_block_start" and event.content_block.type == "tool_use":
                    block = event.content_block
                    blocks[event.index] = {"id": block.id, "name": block.name, "json": ""}
                elif event.type == "content_block_delta":
                    if event.delta.type == "text_delta":
                        texts.append(event.delta.text)
                        yield event.delta.text
                    elif event.delta.type == "input_json_delta" and event.index in blocks:
                        blocks[event.index]["json"] += event.delta.partial_json
                elif event.type == "message_delta" and event.usage is not None:
                    usage.completion_tokens = event.usage.output_tokens or usage.completion_tokens
                    if getattr(event.usage, "input_tokens", None):
                        usage.prompt_tokens = event.usage.input_tokens
        except anthropic.AnthropicError as exc:
            raise translate_sdk_error(exc) from exc
        calls = [
            ToolCall(id=b["id"], name=b["name"], arguments=parse_tool_arguments(b["json"]))
            for _, b in sorted(blocks.items())
        ]
        yield ModelResponse(text="".join(texts), tool_calls=calls, usage=usage, model=model)
