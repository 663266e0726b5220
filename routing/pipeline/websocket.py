"""Glue between the WebSocket plane and the agents: runs one turn of a WebSocket session.

The consumer (channels_app.realtime) names these functions through settings (GATEWAY_WS_TURN_HANDLER,
GATEWAY_WS_AGENT_RESOLVER) so channels_app never imports routing or agents_app. Each WebSocket session has its own
routing.Session (key "ws:<session_id>", kind websocket): history is never shared between sessions of one agent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from asgiref.sync import sync_to_async
from django.db.models import Max
from django.utils import timezone

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
from channels_app.events import server_loop
from channels_app.realtime import remote_agents
from channels_app.realtime.dbhop import pooled
from channels_app.realtime.remote_agents import LOOKUP, RemoteAgentError, call_remote
from channels_app.realtime.turns import OnEvent, TurnError, TurnInput, TurnReply
from routing.models import Session, SessionMessage
from routing.pipeline import agent_lookup


def _resolve(agent_id: str) -> str | None:
    agent = agent_lookup.enabled_agent(agent_id)
    return agent.name if agent else None


async def resolve_agent(agent_id: str) -> str | None:
    """The agent a hello names (or the websocket instance's default route); None when unknown or disabled."""
    if agent_lookup.ttl() > 0:
        cached = agent_lookup.cached(agent_id)
        if cached is not agent_lookup.MISS:
            return cached.name if cached else None  # no database hop at all while the answer is fresh
    return await pooled(_resolve)(agent_id)


def _load(turn: TurnInput) -> tuple[Agent | None, Session | None, list[ChatTurn], str | None]:
    """The turn's one read hop: the agent, the session's own routing.Session, its history, a remote handler.

    The agent is read fresh here (not from the hello cache): it costs no extra hop, and a turn must never use a
    stale row (an agent disabled, or deleted and recreated under the same name by another process).
    """
    agent = Agent.objects.filter(name=turn.agent_id, enabled=True).first() if turn.agent_id else None
    if agent is None:
        return None, None, [], None
    key = f"ws:{turn.session_id}"
    session = Session.objects.filter(key=key).first()
    if session is None:
        session, _ = Session.objects.get_or_create(
            key=key,
            defaults={
                "kind": Session.Kind.WEBSOCKET,
                "agent": agent,
                "chat_id": turn.session_id,
                "metadata": {"client_id": turn.client_id},
            },
        )
    past: list[ChatTurn] = []
    if turn.max_messages:
        rows = list(
            SessionMessage.objects.filter(session=session, role__in=("user", "assistant"))
            .order_by("-seq")
            .values_list("role", "content")[: turn.max_messages]
        )
        past = [ChatTurn(role=role, content=content) for role, content in reversed(rows)]
    remote = remote_agents.handler_for(agent.name)
    return agent, session, past, remote


def _recorder(session: Session, turn: TurnInput, reply_text: str, meta: dict[str, Any]) -> Callable[[], None]:
    """The history write, run by the consumer inside the transaction that stores the final frame.

    Appends user + assistant turns after the session's last seq and drops the oldest beyond the session cap (the
    same rule as routing.pipeline.sessions.append_turns, with the cap the connection already read instead of a query).
    """

    def record() -> None:
        last = SessionMessage.objects.filter(session=session).aggregate(m=Max("seq"))["m"] or 0
        SessionMessage.objects.bulk_create(
            [
                SessionMessage(
                    session=session,
                    seq=last + 1,
                    role="user",
                    content=turn.content,
                    metadata={"request_id": turn.request_id, "client_id": turn.client_id},
                ),
                SessionMessage(session=session, seq=last + 2, role="assistant", content=reply_text, metadata=meta),
            ]
        )
        newest = last + 2
        if turn.max_messages and newest > turn.max_messages:
            SessionMessage.objects.filter(session=session, seq__lte=newest - turn.max_messages).delete()
        Session.objects.filter(pk=session.pk).update(last_activity_at=timezone.now())

    return record


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
    target = await sync_to_async(remote_agents.handler_for)(agent.name)
    if target is None:
        return await runtime_run_agent(agent, history, message, context)
    call = call_remote(
        agent.name,
        message,
        history=[{"role": t.role, "content": t.content} for t in history],
        context=context,
        target=target,
    )
    home = server_loop()
    try:
        if home is not None and home is not asyncio.get_running_loop():
            # The pipeline runs turns on its own loop; the consumers (and the in-memory layer's queues) live on the
            # server's, so the exchange with the remote agent must happen there.
            remote = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call, home))
        else:
            remote = await call
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


async def run_turn(turn: TurnInput, on_event: OnEvent) -> TurnReply:
    """GATEWAY_WS_TURN_HANDLER: load the session's own history (one hop), answer, and return the reply with its
    history write, which the consumer stores in the same hop as the final frame."""
    agent, session, past, remote = await pooled(_load)(turn)
    if agent is None or session is None:
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
    return TurnReply(text, _recorder(session, turn, text, meta))
