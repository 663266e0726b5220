"""Talking to an agent over HTTP: a session of kind `api`, its history fed to the runtime, both turns recorded.

`chat_reply` answers in one piece; `chat_events` yields server-sent-event frames (the peer protocol's stream event
names: token_stream, tool_call_stream, tool_result_stream, stream_end, stream_error) as the runtime produces them.
History, the message cap and the one-run-per-conversation lock are the pipeline's own (routing.pipeline.sessions).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from asgiref.sync import sync_to_async
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
from routing.models import Session
from routing.pipeline import sessions

SESSION_PREFIX = "api:"


class UnknownSession(Exception):
    """The session id names no open API session of this agent (or it expired)."""


class SessionBusy(Exception):
    """Another message of this session is being answered; the client should wait for it."""


@dataclass
class ChatContext:
    """What one turn needs: the agent, its session and the history before this message."""

    agent: Agent
    session: Session
    history: list[ChatTurn]


def open_session(agent: Agent, session_id: str | None) -> ChatContext:
    """The session to talk in (a new one when `session_id` is empty) and its capped history, oldest first.

    A session idle for longer than the gateway's session_timeout is closed, like a channel conversation.
    """
    if session_id:
        session = Session.objects.filter(key=session_id, kind=Session.Kind.API, closed_at__isnull=True).first()
        if session is None or (session.agent_id and session.agent_id != agent.pk):
            raise UnknownSession(f"unknown session '{session_id}' for agent '{agent.name}'")
        idle_limit = timezone.now() - timedelta(seconds=GatewaySettings.load().session_timeout)
        if session.last_activity_at < idle_limit:
            Session.objects.filter(pk=session.pk).update(closed_at=timezone.now())
            raise UnknownSession(f"session '{session_id}' expired after the gateway's session_timeout")
    else:
        session = Session.objects.create(key=f"{SESSION_PREFIX}{uuid.uuid4().hex}", kind=Session.Kind.API, agent=agent)
    return ChatContext(agent=agent, session=session, history=sessions.history(session))


def record_turn(session: Session, message: str, reply: AgentReply | None, error: str = "") -> None:
    """Append the user's message and the answer (or the error, as a system turn) to the session."""
    if reply is not None:
        answer = ("assistant", reply.text, {"model": reply.model, "provider": reply.provider, "channel": "api"})
    else:
        answer = ("system", error, {"error": True, "channel": "api"})
    sessions.append_turns(session, [("user", message, {"channel": "api"}), answer])


class TurnLock:
    """The pipeline's per-conversation lock, held for one API turn (entered and left on the same DB connection)."""

    def __init__(self, session: Session) -> None:
        self._context = sessions.conversation_lock(session.key)
        self._held = False

    def acquire(self) -> None:
        if not self._context.__enter__():
            self._context.__exit__(None, None, None)
            raise SessionBusy("another message of this session is being answered; retry when it is done")
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._context.__exit__(None, None, None)


async def chat_reply(ctx: ChatContext, message: str) -> AgentReply:
    """One turn, answered in one piece; the turn is recorded even when the agent fails. The caller holds the lock."""
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


async def chat_events(ctx: ChatContext, message: str, lock: TurnLock) -> AsyncIterator[str]:
    """One turn as server-sent events; the last frame is stream_end (with the whole reply) or stream_error.

    `lock` is already held; it is released when the stream ends, however it ends (a client that disconnects too).
    """
    session_id = ctx.session.key
    try:
        async for frame in _turn_events(ctx, message, session_id):
            yield frame
    finally:
        await sync_to_async(lock.release)()


async def _turn_events(ctx: ChatContext, message: str, session_id: str) -> AsyncIterator[str]:
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
