"""The runtime's public value types: what callers pass in, what they get back, and what a stream yields.

Kept free of Django and of any provider SDK so the pipeline, the WebSocket plane and schedules can import them cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class ChatTurn:
    """One earlier message of the conversation, oldest first; the caller caps the list to the session's max_messages."""

    role: Literal["user", "assistant"]
    content: str


@dataclass(slots=True)
class Usage:
    """Token counts as reported by the provider (summed over every model call of one run)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens


@dataclass(frozen=True, slots=True)
class ToolCallRecord:
    """A tool the model called during the run, with the arguments it chose and what the tool answered."""

    name: str
    arguments: dict[str, Any]
    result: str
    error: bool = False


@dataclass(frozen=True, slots=True)
class GuardrailCheck:
    """One judge verdict on one guardrail for one attempt (1 = first answer, 2 = the retry with feedback)."""

    guardrail: str
    passed: bool
    reason: str
    attempt: int

    @property
    def verdict(self) -> str:
        return "pass" if self.passed else "fail"


@dataclass(slots=True)
class AgentReply:
    """What an agent answered: the text to deliver plus everything needed to record and explain it."""

    text: str
    model: str
    agent: str = ""
    provider: str = ""
    usage: Usage = field(default_factory=Usage)
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    guardrail_verdicts: list[GuardrailCheck] = field(default_factory=list)
    refused: bool = False


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the answer's text, in order; concatenated they equal the final reply's text."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolStarted:
    """The model asked for a tool; it is about to run (surface as "Using search_web…")."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolFinished:
    """A tool finished; `error` is True when it raised (its message went back to the model as the result)."""

    name: str
    result: str
    error: bool = False


@dataclass(frozen=True, slots=True)
class Final:
    """Last event of every stream: the complete reply, identical to what `run_agent` returns."""

    reply: AgentReply


AgentEvent = TextDelta | ToolStarted | ToolFinished | Final


class AgentError(Exception):
    """An agent could not answer; the message names the agent, the model and what is missing.

    `reason` is a short machine-readable code: no_model, no_key, unknown_provider, unreachable, timeout,
    provider_error, unknown_tool, disabled, empty_answer, internal (an unexpected failure, logged with its trace).
    """

    def __init__(self, message: str, *, agent: str = "", model: str = "", reason: str = "provider_error") -> None:
        super().__init__(message)
        self.agent = agent
        self.model = model
        self.reason = reason
