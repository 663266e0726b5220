"""Glue between the WebSocket plane and the agents: runs one turn of a WebSocket session.

The consumer (channels_app.realtime) names these functions through settings (GATEWAY_WS_TURN_HANDLER,
GATEWAY_WS_AGENT_RESOLVER) so channels_app never imports routing or agents_app. Each WebSocket session has its own
routing.Session (key "ws:<session_id>", kind websocket): history is never shared between sessions of one agent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from channels.db import database_sync_to_async

from agents_app.models import Agent
from agents_app.runtime import (
    AgentError,
    AgentReply,
    ChatTurn,
    Final,
    TextDelta,
    ToolFinished,
    ToolStarted,
    stream_agent,
)
from agents_app.runtime import run_agent as runtime_run_agent
from channels_app.realtime import remote_agents
from channels_app.realtime.remote_agents import LOOKUP, RemoteAgentError, call_remote
from channels_app.realtime.turns import OnEvent, TurnError, TurnInput
from routing import sessions
from routing.models import RoutingRule, Session


def _resolve(agent_id: str) -> str | None:
    if agent_id:
        return agent_id if Agent.objects.filter(name=agent_id, enabled=True).exists() else None
    # No agent named: a "websocket" channel instance may route its clients like any channel (default rule).
    rule = (
        RoutingRule.objects.filter(
            instance__platform="websocket", instance__enabled=True, context=RoutingRule.Context.DEFAULT
        )
        .select_related("agent")
        .first()
    )
    return rule.agent.name if rule and rule.agent.enabled else None


async def resolve_agent(agent_id: str) -> str | None:
    """The agent a hello names (or the websocket instance's default route); None when unknown or disabled."""
    return await database_sync_to_async(_resolve)(agent_id)


def _load(turn: TurnInput) -> tuple[Agent | None, Session, list[ChatTurn], str | None]:
    agent = Agent.objects.filter(name=turn.agent_id, enabled=True).first()
    session, _ = Session.objects.get_or_create(
        key=f"ws:{turn.session_id}",
        defaults={
            "kind": Session.Kind.WEBSOCKET,
            "agent": agent,
            "chat_id": turn.session_id,
            "metadata": {"client_id": turn.client_id},
        },
    )
    past = sessions.history(session)[-turn.max_messages :] if turn.max_messages else []
    remote = remote_agents.handler_for(agent.name) if agent else None
    return agent, session, past, remote


def _record(session: Session, turn: TurnInput, reply_text: str, meta: dict[str, Any]) -> None:
    sessions.append_turns(
        session,
        [
            ("user", turn.content, {"request_id": turn.request_id, "client_id": turn.client_id}),
            ("assistant", reply_text, meta),
        ],
    )


async def answer(
    agent: Agent,
    history: Sequence[ChatTurn],
    message: str,
    *,
    on_event: OnEvent | None = None,
    context: dict[str, Any] | None = None,
    remote_target: str | None | object = LOOKUP,
) -> tuple[str, dict[str, Any]]:
    """Answer as `agent`: through its registered remote agent when one is connected, else the local runtime.

    Usable by any caller (the channel pipeline too), so a remote agent answers for its name on every channel.
    """
    try:
        remote = await call_remote(
            agent.name,
            message,
            history=[{"role": t.role, "content": t.content} for t in history],
            context=context,
            target=remote_target,
        )
    except RemoteAgentError as exc:
        raise TurnError("remote_agent_error", str(exc), retryable=True) from exc
    if remote is not None:
        return remote, {"remote": True}
    try:
        if on_event is None:
            reply = await runtime_run_agent(agent, history, message, context)
        else:
            reply = await _stream(agent, history, message, context, on_event)
    except AgentError as exc:
        raise TurnError(exc.reason or "agent_error", str(exc)) from exc
    return reply.text, {"model": reply.model, "refused": reply.refused}


async def run_agent_or_remote(
    agent: Agent, history: Sequence[ChatTurn], message: str, context: dict[str, Any] | None = None
) -> AgentReply:
    """Drop-in for `agents_app.runtime.run_agent` (same signature and result) that lets a connected remote agent answer.

    The channel pipeline can call this instead of run_agent so "messages routed to that agent — from any channel — go
    to it as frames and its replies go back through the pipeline". Raises AgentError like run_agent.
    """
    try:
        remote = await call_remote(
            agent.name, message, history=[{"role": t.role, "content": t.content} for t in history], context=context
        )
    except RemoteAgentError as exc:
        raise AgentError(str(exc), agent=agent.name, model="remote", reason="unreachable") from exc
    if remote is None:
        return await runtime_run_agent(agent, history, message, context)
    return AgentReply(text=remote, model="remote", agent=agent.name, provider="remote")


async def _stream(
    agent: Agent, history: Sequence[ChatTurn], message: str, context: dict[str, Any] | None, on_event: OnEvent
) -> AgentReply:
    final: AgentReply | None = None
    async for event in stream_agent(agent, history, message, context):
        if isinstance(event, TextDelta):
            await on_event("token_stream", {"delta": event.text})
        elif isinstance(event, ToolStarted):
            await on_event("tool_call_stream", {"name": event.name, "arguments": event.arguments})
        elif isinstance(event, ToolFinished):
            await on_event("tool_result_stream", {"name": event.name, "result": event.result, "error": event.error})
        elif isinstance(event, Final):
            final = event.reply
    if final is None:
        raise TurnError("agent_error", "the agent stream ended without a reply")
    return final


async def run_turn(turn: TurnInput, on_event: OnEvent) -> str:
    """GATEWAY_WS_TURN_HANDLER: load the session's own history, answer, record both turns, return the reply."""
    agent, session, past, remote = await database_sync_to_async(_load)(turn)
    if agent is None:
        raise TurnError("agent_not_found", f"agent '{turn.agent_id}' is not available")
    context = {"channel": "websocket", "session_id": turn.session_id, "client_id": turn.client_id}
    text, meta = await answer(
        agent,
        past,
        turn.content,
        on_event=on_event if turn.streaming else None,
        context=context,
        remote_target=remote,
    )
    await database_sync_to_async(_record)(session, turn, text, meta)
    return text
