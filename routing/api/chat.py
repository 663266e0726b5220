"""The REST chat door: a session of kind `api`, answered through the turn service (routing.pipeline.turns).

`chat_reply` answers in one piece; `chat_events` yields server-sent-event frames (the peer protocol's stream event
names: token_stream, tool_call_stream, tool_result_stream, stream_end, stream_error) as the turn produces them.
Session rules, history, remote agents, run recording and events are the turn service's; the one-run-per-conversation
lock is the pipeline's own (routing.pipeline.sessions).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from asgiref.sync import sync_to_async

from agents_app.models import Agent
from agents_app.runtime import AgentError, AgentReply
from routing.models import Session
from routing.pipeline import sessions, turns
from routing.pipeline.sessions import SessionRefused, SessionSpec

SESSION_PREFIX = "api:"

UnknownSession = SessionRefused  # the name the views use: the session id names no open API session of this agent


class SessionBusy(Exception):
    """Another message of this session is being answered; the client should wait for it."""


@dataclass
class ChatContext:
    """What one turn needs: the agent and its session."""

    agent: Agent
    session: Session


def open_session(agent: Agent, session_id: str | None) -> ChatContext:
    """The session to talk in: a new one when `session_id` is empty, else the client's own (refused when unknown,
    another agent's, or idle for longer than the gateway's session_timeout)."""
    key = session_id or f"{SESSION_PREFIX}{uuid.uuid4().hex}"
    spec = SessionSpec(key=key, kind=Session.Kind.API, named_by_client=bool(session_id))
    return ChatContext(agent=agent, session=sessions.open_session(spec, agent))


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


def _context(ctx: ChatContext) -> dict[str, str]:
    return {"session_id": ctx.session.key}


async def chat_reply(ctx: ChatContext, message: str) -> AgentReply:
    """One turn, answered in one piece; the turn is recorded even when the agent fails. The caller holds the lock."""
    outcome = await turns.run("api", ctx.agent, message, ctx.session, context=_context(ctx))
    return outcome.reply


def sse(event: str, data: dict) -> str:
    """One server-sent event frame."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def chat_events(ctx: ChatContext, message: str, lock: TurnLock) -> AsyncIterator[str]:
    """One turn as server-sent events; the last frame is stream_end (with the whole reply) or stream_error.

    `lock` is already held; it is released when the stream ends, however it ends (a client that disconnects too).
    """
    try:
        async for frame in _turn_events(ctx, message):
            yield frame
    finally:
        await sync_to_async(lock.release)()


async def _turn_events(ctx: ChatContext, message: str) -> AsyncIterator[str]:
    session_id = ctx.session.key
    yield sse("session", {"session_id": session_id, "agent": ctx.agent.name})
    turn = await sync_to_async(turns.prepare)("api", ctx.agent, message, ctx.session, context=_context(ctx))
    try:
        async for item in turns.stream(turn):
            if isinstance(item, AgentReply):
                await sync_to_async(turns.record)(turn, item)
                data = {"session_id": session_id, "reply": item.text, "agent": ctx.agent.name, "model": item.model}
                yield sse("stream_end", data)
            else:
                kind, data = item
                yield sse(kind, {**data, "session_id": session_id})
    except AgentError as exc:
        await sync_to_async(turns.record)(turn, None, error=str(exc))
        yield sse("stream_error", {"session_id": session_id, "code": exc.reason, "message": str(exc)})
