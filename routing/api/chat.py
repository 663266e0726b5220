"""Talking to an agent over HTTP: a session of kind `api`, its history fed to the runtime, both turns recorded.

`chat_reply` answers in one piece; `chat_events` yields server-sent-event frames (the peer protocol's stream event
names: token_stream, tool_call_stream, tool_result_stream, stream_end, stream_error) as the runtime produces them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.db import IntegrityError, transaction
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
    run_agent,
    stream_agent,
)
from channels_app.models import GatewaySettings
from routing.models import Session, SessionMessage

SESSION_PREFIX = "api:"


class UnknownSession(Exception):
    """The session id names no open API session of this agent."""


@dataclass
class ChatContext:
    """What one turn needs: the agent, its session and the history before this message."""

    agent: Agent
    session: Session
    history: list[ChatTurn]


def open_session(agent: Agent, session_id: str | None) -> ChatContext:
    """The session to talk in (a new one when `session_id` is empty) and its capped history, oldest first."""
    if session_id:
        session = Session.objects.filter(key=session_id, kind=Session.Kind.API, closed_at__isnull=True).first()
        if session is None or (session.agent_id and session.agent_id != agent.pk):
            raise UnknownSession(f"unknown session '{session_id}' for agent '{agent.name}'")
    else:
        session = Session.objects.create(key=f"{SESSION_PREFIX}{uuid.uuid4().hex}", kind=Session.Kind.API, agent=agent)
    cap = GatewaySettings.load().session_max_messages
    rows = list(
        session.messages.filter(role__in=[SessionMessage.Role.USER, SessionMessage.Role.ASSISTANT])
        .order_by("-seq")
        .values_list("role", "content")[:cap]
    )
    history = [ChatTurn(role=role, content=content) for role, content in reversed(rows)]
    return ChatContext(agent=agent, session=session, history=history)


def record_turn(session: Session, message: str, reply: AgentReply | None, error: str = "") -> None:
    """Append the user's message and the answer (or the error) to the session, with gap-free sequence numbers."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                last = session.messages.aggregate(last=Max("seq"))["last"] or 0
                SessionMessage.objects.create(session=session, seq=last + 1, role="user", content=message)
                if reply is not None:
                    SessionMessage.objects.create(
                        session=session,
                        seq=last + 2,
                        role="assistant",
                        content=reply.text,
                        metadata={"model": reply.model, "provider": reply.provider},
                    )
                else:
                    SessionMessage.objects.create(
                        session=session, seq=last + 2, role="system", content=error, metadata={"error": True}
                    )
                Session.objects.filter(pk=session.pk).update(last_activity_at=timezone.now())
            return
        except IntegrityError:
            continue  # another turn took the same seq at the same moment: read the new last and retry


async def chat_reply(ctx: ChatContext, message: str) -> AgentReply:
    """One turn, answered in one piece; the turn is recorded even when the agent fails."""
    try:
        reply = await run_agent(ctx.agent, ctx.history, message, {"session_id": ctx.session.key, "channel": "api"})
    except AgentError as exc:
        await sync_to_async(record_turn)(ctx.session, message, None, str(exc))
        raise
    await sync_to_async(record_turn)(ctx.session, message, reply)
    return reply


def sse(event: str, data: dict) -> str:
    """One server-sent event frame."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def chat_events(ctx: ChatContext, message: str) -> AsyncIterator[str]:
    """One turn as server-sent events; the last frame is stream_end (with the whole reply) or stream_error."""
    session_id = ctx.session.key
    yield sse("session", {"session_id": session_id, "agent": ctx.agent.name})
    try:
        async for event in stream_agent(ctx.agent, ctx.history, message, {"session_id": session_id, "channel": "api"}):
            if isinstance(event, TextDelta):
                yield sse("token_stream", {"content": event.text, "session_id": session_id})
            elif isinstance(event, ToolStarted):
                yield sse("tool_call_stream", {"name": event.name, "arguments": event.arguments})
            elif isinstance(event, ToolFinished):
                yield sse("tool_result_stream", {"name": event.name, "result": event.result, "error": event.error})
            elif isinstance(event, Final):
                await sync_to_async(record_turn)(ctx.session, message, event.reply)
                yield sse(
                    "stream_end",
                    {
                        "session_id": session_id,
                        "reply": event.reply.text,
                        "agent": ctx.agent.name,
                        "model": event.reply.model,
                    },
                )
    except AgentError as exc:
        await sync_to_async(record_turn)(ctx.session, message, None, str(exc))
        yield sse("stream_error", {"session_id": session_id, "code": exc.reason, "message": str(exc)})
