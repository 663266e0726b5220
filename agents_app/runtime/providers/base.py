"""The provider-neutral conversation the runtime builds, and the one interface every model provider implements.

The tool loop speaks only these types; each provider module translates them to and from its SDK's shapes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from agents_app.runtime.types import Usage


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool call as the model asked for it; `id` ties the later result to it."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """What the model is told about a tool: its name, what it does, and a JSON schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Message:
    """One message of the neutral conversation (user, assistant with optional tool calls, or a tool result)."""

    role: Literal["user", "assistant", "tool"]
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str = ""
    name: str = ""
    is_error: bool = False  # a tool result that is an error message (Anthropic flags it to the model)


@dataclass(slots=True)
class ModelRequest:
    """Everything one model call needs. Tools stay declared when `allow_tool_calls` is False (the history may hold
    tool calls) but the model is told not to call any. `purpose` is "answer" or "judge" (the offline model answers judges itself)."""

    model: str
    system: str
    messages: list[Message]
    tools: list[ToolSpec] = field(default_factory=list)
    allow_tool_calls: bool = True
    temperature: float | None = None
    max_tokens: int = 1024
    purpose: Literal["answer", "judge"] = "answer"


@dataclass(slots=True)
class ModelResponse:
    """What one model call returned: text and/or tool calls, and its token usage."""

    text: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    model: str = ""


def parse_tool_arguments(raw: str | None) -> dict[str, Any]:
    """Tool arguments arrive as a JSON string; anything unreadable becomes {"_raw": ...} for the tool to reject."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return {"_raw": raw}
    return value if isinstance(value, dict) else {"_raw": raw}


class Provider(Protocol):
    """A way to reach a model. `stream` yields text deltas (str) and ends with exactly one ModelResponse."""

    name: str

    async def complete(self, request: ModelRequest) -> ModelResponse: ...

    def stream(self, request: ModelRequest) -> AsyncIterator[str | ModelResponse]: ...
