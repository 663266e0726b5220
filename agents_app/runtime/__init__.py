"""The agent runtime: one async entry point (and its streaming twin) that every caller uses.

    reply = await run_agent(agent, history, message, context=None)
    async for event in stream_agent(agent, history, message): ...

See docs/agents.md for model routing, tools, guardrails and settings.
"""

from __future__ import annotations

from agents_app.runtime.engine import run_agent, stream_agent
from agents_app.runtime.readiness import agent_problems
from agents_app.runtime.types import (
    AgentError,
    AgentEvent,
    AgentReply,
    ChatTurn,
    Final,
    GuardrailCheck,
    TextDelta,
    ToolCallRecord,
    ToolFinished,
    ToolStarted,
    Usage,
)

__all__ = [
    "AgentError",
    "AgentEvent",
    "AgentReply",
    "ChatTurn",
    "Final",
    "GuardrailCheck",
    "TextDelta",
    "ToolCallRecord",
    "ToolFinished",
    "ToolStarted",
    "Usage",
    "agent_problems",
    "run_agent",
    "stream_agent",
]
