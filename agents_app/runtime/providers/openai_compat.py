"""OpenAI and every OpenAI-compatible endpoint (Ollama, vLLM, LM Studio, OpenRouter) through the official SDK.

Only this module knows the Chat Completions shapes; retries with backoff on 429/5xx (honouring Retry-After) are the
SDK's, bounded by GATEWAY_LLM_MAX_RETRIES.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import openai
from openai._base_client import make_request_options
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from agents_app.runtime.providers.base import Message, ModelRequest, ModelResponse, ToolCall, parse_tool_arguments
from agents_app.runtime.providers.errors import ProviderFailure, translate_sdk_error
from agents_app.runtime.types import Usage

REASONING_MODELS = re.compile(r"^o\d")  # OpenAI's o-series: no temperature, max_completion_tokens only
# What `chat.completions.create` passes with every call (openai==3.54, pinned in requirements.txt).
_CREATE_OPTIONS = make_request_options(security={"bearer_auth": True})


def to_openai_messages(system: str, messages: list[Message]) -> list[dict[str, Any]]:
    """The neutral conversation as Chat Completions messages (system first, tool results as role "tool")."""
    out: list[dict[str, Any]] = []
    if system:
        out.append({"role": "system", "content": system})
    for message in messages:
        if message.role == "tool":
            out.append({"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content})
        elif message.role == "assistant" and message.tool_calls:
            out.append(
                {
                    "role": "assistant",
                    "content": message.content or None,
                    "tool_calls": [
                        {
                            "id": call.id,
                            "type": "function",
                            "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                        }
                        for call in message.tool_calls
                    ],
                }
            )
        else:
            out.append({"role": message.role, "content": message.content})
    return out


class OpenAIProvider:
    """One SDK client (bound to one event loop, base_url and key) speaking Chat Completions."""

    name = "openai"

    def __init__(self, client: openai.AsyncOpenAI, *, official: bool = True) -> None:
        self.client = client
        self.official = official
        self.name = "openai" if official else "openai-compatible"

    async def aclose(self) -> None:
        """Close the HTTP pool (called when the owning event loop shuts down)."""
        await self.client.close()

    def _params(self, request: ModelRequest) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": request.model,
            "messages": to_openai_messages(request.system, request.messages),
        }
        reasoning = self.official and bool(REASONING_MODELS.match(request.model))
        # OpenAI itself deprecated max_tokens (o-series reject it); compatible servers still expect max_tokens.
        params["max_completion_tokens" if self.official else "max_tokens"] = request.max_tokens
        if request.temperature is not None and not reasoning:
            params["temperature"] = request.temperature
        if request.tools:
            params["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
                }
                for t in request.tools
            ]
            if not request.allow_tool_calls:
                params["tool_choice"] = "none"
        return params

    async def _create(self, params: dict[str, Any], *, stream: bool = False) -> Any:
        """`client.chat.completions.create(**params)` minus its request-body transform and, for a whole answer, its
        response models, through the SDK's own POST.

        Why: the transform walks every message against the SDK's TypedDicts to rename aliased keys and drop unset
        ones; our params are plain JSON with neither, and profiling put the walk at about an eighth of the model
        call's client-side CPU. A whole answer comes back as the decoded JSON (`cast_to=object`, which the SDK
        supports) rather than a tree of ChatCompletion models we read five fields of: building that tree was ~5 %
        of the WebSocket plane's CPU per turn (py-spy under bench/ws_load.py). Retries, auth, timeouts, errors and
        the stream's chunk models are the SDK's, unchanged.
        """
        return await self.client.post(
            "/chat/completions",
            body=params,
            cast_to=ChatCompletion if stream else object,
            options=_CREATE_OPTIONS,
            stream=stream,
            stream_cls=openai.AsyncStream[ChatCompletionChunk],
        )

    async def complete(self, request: ModelRequest) -> ModelResponse:
        try:
            completion = await self._create(self._params(request))
        except openai.OpenAIError as exc:
            raise translate_sdk_error(exc) from exc
        return read_completion(completion, request.model)

    async def stream(self, request: ModelRequest) -> AsyncIterator[str | ModelResponse]:
        params = self._params(request)
        params["stream"] = True
        params["stream_options"] = {"include_usage": True}
        text_parts: list[str] = []
        partial_calls: dict[int, dict[str, str]] = {}
        usage = Usage()
        model = request.model
        try:
            stream = await self._create(params, stream=True)
            async for chunk in stream:
                model = chunk.model or model
                if chunk.usage is not None:
                    usage = Usage(chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0)
                for choice in chunk.choices:
                    delta = choice.delta
                    if delta.content:
                        text_parts.append(delta.content)
                        yield delta.content
                    for call in delta.tool_calls or []:
                        slot = partial_calls.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
                        if call.id:
                            slot["id"] = call.id
                        if call.function is not None:
                            slot["name"] += call.function.name or ""
                            slot["arguments"] += call.function.arguments or ""
        except openai.OpenAIError as exc:
            raise translate_sdk_error(exc) from exc
        calls = [
            ToolCall(
                id=slot["id"] or f"call_{index}", name=slot["name"], arguments=parse_tool_arguments(slot["arguments"])
            )
            for index, slot in sorted(partial_calls.items())
        ]
        yield ModelResponse(text="".join(text_parts), tool_calls=calls, usage=usage, model=model)


def read_completion(completion: Any, requested_model: str) -> ModelResponse:
    """A Chat Completions answer (decoded JSON) as the neutral response; missing fields read as empty, as the SDK's
    models (built without validation) read them."""
    if not isinstance(completion, dict):
        raise ProviderFailure("provider_error", "the endpoint answered without a chat completion (not a JSON object)")
    choices = completion.get("choices") or []
    first = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
    message = first.get("message") if isinstance(first.get("message"), dict) else {}
    calls = []
    for index, call in enumerate(message.get("tool_calls") or []):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            continue
        arguments = function.get("arguments")
        parsed = arguments if isinstance(arguments, dict) else parse_tool_arguments(arguments)
        calls.append(ToolCall(id=call.get("id") or f"call_{index}", name=function.get("name") or "", arguments=parsed))
    usage = Usage()
    counts = completion.get("usage")
    if isinstance(counts, dict):
        usage = Usage(counts.get("prompt_tokens") or 0, counts.get("completion_tokens") or 0)
    return ModelResponse(
        text=message.get("content") or "",
        tool_calls=calls,
        usage=usage,
        model=completion.get("model") or requested_model,
    )
