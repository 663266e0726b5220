"""The built-in offline model: no network, no key, instant and deterministic, for demos and tests.

Rules (documented in docs/agents.md):
- it answers with the user's text, unchanged;
- a message of the form `/tool_name {"arg": "value"}` naming one of the agent's tools makes it call that tool,
  then answer with the tool's result (so tools can be demoed offline);
- asked to judge a guardrail, it passes every rule (it cannot judge), saying so in the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

from agents_app.runtime.providers.base import Message, ModelRequest, ModelResponse, ToolCall
from agents_app.runtime.types import Usage

ECHO_MODELS = frozenset({"echo", "offline"})
TOOL_COMMAND = re.compile(r"^/(?P<name>[A-Za-z0-9_.-]+)(?:\s+(?P<args>\{.*\}))?\s*$", re.DOTALL)
OFFLINE_JUDGE_REASON = "offline model cannot judge; passed"


def is_offline_model(model: str) -> bool:
    """`echo`, `offline` and any `offline/<name>` alias are the offline model."""
    return model in ECHO_MODELS or model.startswith("offline/")


def _count_tokens(text: str) -> int:
    """Whitespace words: a deterministic stand-in for a tokenizer."""
    return len(text.split())


class EchoProvider:
    """The offline model; stateless, so one instance serves every loop."""

    name = "offline"

    async def complete(self, request: ModelRequest) -> ModelResponse:
        prompt_tokens = _count_tokens(request.system) + sum(_count_tokens(m.content) for m in request.messages)
        if request.purpose == "judge":
            text = json.dumps({"verdict": "pass", "reason": OFFLINE_JUDGE_REASON})
            return ModelResponse(text=text, usage=Usage(prompt_tokens, 0), model=request.model)
        last = request.messages[-1] if request.messages else Message(role="user", content="")
        if last.role == "tool":
            results = _trailing_tool_results(request.messages)
            text = "\n".join(f"{m.name}: {m.content}" for m in results)
            return ModelResponse(text=text, usage=Usage(prompt_tokens, _count_tokens(text)), model=request.model)
        call = self._tool_call_for(last, request)
        if call is not None:
            return ModelResponse(text="", tool_calls=[call], usage=Usage(prompt_tokens, 1), model=request.model)
        return ModelResponse(
            text=last.content, usage=Usage(prompt_tokens, _count_tokens(last.content)), model=request.model
        )

    async def stream(self, request: ModelRequest) -> AsyncIterator[str | ModelResponse]:
        response = await self.complete(request)
        for piece in re.findall(r"\S+\s*|\s+", response.text):
            yield piece
        yield response

    @staticmethod
    def _tool_call_for(last: Message, request: ModelRequest) -> ToolCall | None:
        match = TOOL_COMMAND.match(last.content.strip())
        if match is None or last.role != "user" or not request.allow_tool_calls:
            return None
        names = {tool.name for tool in request.tools}
        if match.group("name") not in names:
            return None
        try:
            arguments = json.loads(match.group("args") or "{}")
        except json.JSONDecodeError:
            return None
        if not isinstance(arguments, dict):
            return None
        return ToolCall(id=f"offline-{len(request.messages)}", name=match.group("name"), arguments=arguments)


def _trailing_tool_results(messages: list[Message]) -> list[Message]:
    """The tool results after the last assistant message, in order."""
    results: list[Message] = []
    for message in reversed(messages):
        if message.role != "tool":
            break
        results.append(message)
    return list(reversed(results))
