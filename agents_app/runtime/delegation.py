"""Multi-agent delegation: an agent's `delegates` become tools (`ask_<agent>`) its model may call.

Each call runs the sub-agent's own loop (its instructions, model, tools and guardrails) on a fresh history — its
child session — and returns its answer as the tool result. Bounds: depth (GATEWAY_DELEGATION_MAX_DEPTH, default 2:
a sub-agent at the limit is offered no delegates, so cycles such as a → b → a end there), time (the tool call is
cut at the parent's remaining run time) and iterations (every loop keeps its own GATEWAY_AGENT_MAX_TOOL_ITERATIONS).
Every child run is recorded with `parent_run_key` in its context and linked to the parent's AgentRun (`parent`)
when the parent is saved, so the admin and the API show the tree.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from agents_app.models import Agent
from agents_app.tools.base import Tool

RUN_KEY = "run_key"
PARENT_KEY = "parent_run_key"
DEPTH_KEY = "delegation_depth"
TOOL_PREFIX = "ask_"


def max_depth() -> int:
    return int(getattr(settings, "GATEWAY_DELEGATION_MAX_DEPTH", 2))


def tool_name(agent_name: str) -> str:
    """`financial-analyst` → `ask_financial_analyst` (tool names are [a-zA-Z0-9_-], some providers dislike '-')."""
    return TOOL_PREFIX + re.sub(r"[^a-zA-Z0-9_]", "_", agent_name)[:58]


def depth_of(context: Mapping[str, Any] | None) -> int:
    try:
        return int((context or {}).get(DEPTH_KEY) or 0)
    except (TypeError, ValueError):
        return 0


def prepare_context(agent: Agent, context: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The run's context with a run key when the agent may delegate (children point at it); else unchanged."""
    if not agent.delegates or depth_of(context) >= max_depth():
        return dict(context) if context is not None else None
    return {**(context or {}), RUN_KEY: uuid.uuid4().hex}


def _load(name: str) -> Agent | None:
    return Agent.objects.filter(name=name, enabled=True).first()


def delegate_tools(agent: Agent, context: Mapping[str, Any] | None) -> dict[str, Tool]:
    """`ask_<name>` tools for the agent's delegates; none past the depth bound or without a run key."""
    context = dict(context or {})
    depth = depth_of(context)
    if not agent.delegates or depth >= max_depth() or RUN_KEY not in context:
        return {}
    tools: dict[str, Tool] = {}
    for name in agent.delegates:
        name = str(name)
        if name == agent.name:
            continue  # asking yourself is the loop you already are
        tools[tool_name(name)] = Tool(
            name=tool_name(name),
            description=(
                f"Hand a self-contained task to the '{name}' agent. It works on it with its own instructions and "
                "tools, without seeing this conversation, and returns its answer."
            ),
            parameters={
                "type": "object",
                "properties": {"task": {"type": "string", "description": "What the agent should do, in full."}},
                "required": ["task"],
            },
            func=_asker(name, agent.name, context, depth),
        )
    return tools


def _asker(name: str, parent: str, context: dict[str, Any], depth: int):  # noqa: ANN202 - an async tool function
    child_context = {
        key: value for key, value in context.items() if key not in (RUN_KEY, PARENT_KEY, DEPTH_KEY, "inbound_event")
    }
    child_context.update({PARENT_KEY: context[RUN_KEY], DEPTH_KEY: depth + 1, "delegated_by": parent})

    async def ask(task: str) -> str:
        from agents_app.runtime.engine import run_agent

        sub = await sync_to_async(_load, thread_sensitive=True)(name)
        if sub is None:
            return f"error: agent {name!r} is unknown or disabled"
        reply = await run_agent(
            sub, [], str(task), {**child_context, "session": f"{context.get('session', '')}~{name}"}
        )
        return reply.text

    ask.delegate_to = name  # type: ignore[attr-defined]
    return ask


def is_delegate(tool: Tool) -> bool:
    """True for an `ask_<agent>` tool (bounded by the parent's remaining run time, not GATEWAY_TOOL_TIMEOUT)."""
    return bool(getattr(tool.func, "delegate_to", None))


def link_children(run_id: int, context: Mapping[str, Any] | None) -> None:
    """Point the runs this one delegated to at it (called when the parent's AgentRun is saved)."""
    key = (context or {}).get(RUN_KEY)
    if not key:
        return
    from agents_app.models import AgentRun

    AgentRun.objects.filter(**{f"context__{PARENT_KEY}": key}, parent__isnull=True).update(parent_id=run_id)
