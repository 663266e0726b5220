"""The one conversation-turn service every door calls: channel messages, WebSocket turns, REST chat (plain and
SSE), schedules and `manage.py chat`.

A turn is three steps, so each door can keep its own transaction and threading without re-implementing any rule:

1. `prepare` (sync, one database visit): open the door's session — an idle one past the gateway's
   session_timeout is archived and a fresh one starts, or refused where the client named it (REST) — load its
   capped history and ask whether a remote agent (a WebSocket client) answers for the agent.
2. `answer` (async): the remote agent when one is registered, else the local runtime (streaming or not; the runtime
   applies guardrails and records its AgentRun); `agent.started` / `agent.finished` / `agent.failed` events name
   the door.
3. `record` (sync): append the user's message and the answer (or the error) to the session, and the AgentRun of a
   remote answer; a door runs it inside its own transaction (the pipeline with its outbound rows, the WebSocket
   plane with its final frame) or lets `run` do it.

`run` chains the three for doors with nothing to add (REST chat, schedules, the CLI). The run context always
carries `door` (and `source`, the same value, which traces read) and `session`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from asgiref.sync import sync_to_async

from agents_app.models import Agent, AgentRun
from agents_app.runtime import AgentError, AgentReply, ChatTurn, Final, TextDelta, ToolFinished, ToolStarted
from agents_app.runtime import run_agent as runtime_run_agent
from agents_app.runtime import stream_agent as runtime_stream_agent
from agents_app.runtime.recording import RunRecord, deferring, save_runs
from channels_app.events import EventType, publish, publish_now, server_loop
from channels_app.realtime import remote_agents
from channels_app.realtime.remote_agents import RemoteAgentError, call_remote
from routing.models import Session
from routing.pipeline import sessions
from routing.pipeline.sessions import SessionRefused, SessionSpec

Door = Literal["channel", "websocket", "api", "schedule", "cli"]
OnEvent = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass
class Turn:
    """A prepared turn: who answers, in which session, after which history, with which run context."""

    door: Door
    agent: Agent
    session: Session
    history: list[ChatTurn]
    message: str
    context: dict[str, Any]
    remote: str | None = None  # channel name of the registered remote agent, None when the local runtime answers
    events: dict[str, Any] = field(default_factory=dict)  # extra fields of this turn's events (instance, event_id)
    cap: int | None = None
    runs: list[RunRecord] = field(default_factory=list)  # the answer's run records, stored by `record`


def prepare(
    door: Door,
    agent: Agent,
    message: str,
    spec: SessionSpec | Session,
    *,
    context: dict[str, Any] | None = None,
    events: dict[str, Any] | None = None,
    cap: int | None = None,
) -> Turn:
    """Open the session, load its history (at most `cap` turns, default session_max_messages) and look up a remote
    agent; publishes `session.resolved`. `spec` may be a Session the door already holds (the channel pipeline)."""
    session = spec if isinstance(spec, Session) else sessions.open_session(spec, agent)
    remote = remote_agents.handler_for(agent.name)
    # An agent without memory answers each message alone (agents_app/runtime/engine.py), so its history is read
    # only for a remote agent, which is handed the session's turns either way: one query less per turn.
    history = sessions.history(session, cap=cap) if agent.memory or remote else []
    turn = Turn(
        door=door,
        agent=agent,
        session=session,
        history=history,
        message=message,
        context={**(context or {}), "door": door, "source": door, "session": session.key},
        remote=remote,
        events=dict(events or {}),
        cap=cap,
    )
    publish(EventType.SESSION_RESOLVED, **_event_fields(turn))
    return turn


def _event_fields(turn: Turn) -> dict[str, Any]:
    return {**turn.events, "door": turn.door, "session": turn.session.key, "agent": turn.agent.name}


async def answer(turn: Turn, *, on_event: OnEvent | None = None) -> AgentReply:
    """Answer `turn`: its remote agent when one is registered, else the local runtime — streaming through
    `on_event(kind, data)` when given. Raises AgentError (the remote agent unreachable included)."""
    if on_event is not None:
        reply: AgentReply | None = None
        async for item in stream(turn):
            if isinstance(item, AgentReply):
                reply = item
            else:
                await on_event(*item)
        assert reply is not None  # stream() ends with the reply or raises
        return reply
    publish_now(EventType.AGENT_STARTED, **_event_fields(turn), remote=turn.remote is not None)
    try:
        reply = await _remote(turn) if turn.remote else None
        if reply is None:
            # The run's record is stored by `record`, in the door's own write (one transaction and, for the
            # WebSocket plane, one database hop less per turn); a failed run is still recorded at once.
            with deferring(turn.runs):
                reply = await runtime_run_agent(turn.agent, turn.history, turn.message, turn.context)
    except AgentError as exc:
        if turn.runs:  # a delegate's finished run, under a parent that failed: the door will not record this turn
            await sync_to_async(save_runs)(turn.runs)
        publish_now(EventType.AGENT_FAILED, **_event_fields(turn), error=str(exc), reason=exc.reason)
        raise
    publish_now(EventType.AGENT_FINISHED, **_event_fields(turn), model=reply.model, refused=reply.refused)
    return reply


async def stream(turn: Turn) -> AsyncIterator[tuple[str, dict[str, Any]] | AgentReply]:
    """Answer `turn` as the peer protocol's stream events `(name, data)`, ending with the AgentReply; a remote agent
    answers in one piece (no stream events). Raises AgentError."""
    publish_now(EventType.AGENT_STARTED, **_event_fields(turn), remote=turn.remote is not None)
    try:
        reply = await _remote(turn) if turn.remote else None
        if reply is None:
            async for event in runtime_stream_agent(turn.agent, turn.history, turn.message, turn.context):
                if isinstance(event, Final):
                    reply = event.reply
                elif (frame := stream_frame(event)) is not None:
                    yield frame
        if reply is None:
            raise AgentError("the agent stream ended without a reply", agent=turn.agent.name, reason="internal")
    except AgentError as exc:
        publish_now(EventType.AGENT_FAILED, **_event_fields(turn), error=str(exc), reason=exc.reason)
        raise
    publish_now(EventType.AGENT_FINISHED, **_event_fields(turn), model=reply.model, refused=reply.refused)
    yield reply


async def _remote(turn: Turn) -> AgentReply | None:
    """The remote agent's answer (None when it vanished since `prepare`), exchanged on the server's loop."""
    call = call_remote(
        turn.agent.name,
        turn.message,
        history=[{"role": t.role, "content": t.content} for t in turn.history],
        context=turn.context,
        target=turn.remote,
    )
    home = server_loop()
    try:
        if home is not None and home is not asyncio.get_running_loop():
            # Pipeline and schedule turns run on their own loop; the consumers (and the in-memory layer's queues)
            # live on the server's, so the exchange with the remote agent must happen there.
            text = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call, home))
        else:
            text = await call
    except RemoteAgentError as exc:
        raise AgentError(str(exc), agent=turn.agent.name, model="remote", reason="unreachable") from exc
    if text is None:
        return None
    return AgentReply(text=text, model="remote", agent=turn.agent.name, provider="remote")


def stream_frame(event: object) -> tuple[str, dict[str, Any]] | None:
    """A runtime stream event as the peer protocol's stream event (name, data); None for the final reply.

    Token deltas carry the text as `delta` (WebSocket clients) and `content` (SSE clients) alike."""
    if isinstance(event, TextDelta):
        return "token_stream", {"delta": event.text, "content": event.text}
    if isinstance(event, ToolStarted):
        return "tool_call_stream", {"name": event.name, "arguments": event.arguments}
    if isinstance(event, ToolFinished):
        return "tool_result_stream", {"name": event.name, "result": event.result, "error": event.error}
    return None


def record(
    turn: Turn,
    reply: AgentReply | None,
    *,
    error: str = "",
    user_meta: dict[str, Any] | None = None,
    reply_meta: dict[str, Any] | None = None,
) -> None:
    """Append the turn to its session — the user's message and the answer, or the error as a system turn — and
    the AgentRun of a remote answer (the local runtime records its own). Sync; callers may hold a transaction."""
    user = ("user", turn.message, {"door": turn.door, **(user_meta or {})})
    if reply is not None:
        meta = {"door": turn.door, "agent": turn.agent.name, "model": reply.model, "provider": reply.provider}
        if reply.refused:
            meta["refused"] = True
        last = ("assistant", reply.text, {**meta, **(reply_meta or {})})
    else:
        last = ("system", error, {"door": turn.door, "error": True, **(reply_meta or {})})
    sessions.append_turns(turn.session, [user, last], agent=turn.agent, cap=turn.cap)
    save_runs(turn.runs)
    if reply is not None and reply.provider == "remote":
        AgentRun.objects.create(
            agent=turn.agent if turn.agent.pk else None,
            agent_name=turn.agent.name,
            model="remote",
            provider="remote",
            status=AgentRun.Status.OK,
            context={k: v for k, v in turn.context.items() if isinstance(v, str | int | float | bool)},
            input_text=turn.message,
            output_text=reply.text,
        )


@dataclass
class Outcome:
    """What `run` produced: the prepared turn and its reply."""

    turn: Turn
    reply: AgentReply


async def run(
    door: Door,
    agent: Agent,
    message: str,
    spec: SessionSpec | Session,
    *,
    context: dict[str, Any] | None = None,
    on_event: OnEvent | None = None,
    record_errors: bool = True,
    reply_meta: dict[str, Any] | None = None,
) -> Outcome:
    """prepare → answer → record, for doors that need nothing between the steps. A failed turn is recorded as a
    system turn (unless `record_errors` is False) and its AgentError raised."""
    turn = await sync_to_async(prepare)(door, agent, message, spec, context=context)
    try:
        reply = await answer(turn, on_event=on_event)
    except AgentError as exc:
        if record_errors:
            await sync_to_async(record)(turn, None, error=str(exc), reply_meta=reply_meta)
        raise
    await sync_to_async(record)(turn, reply, reply_meta=reply_meta)
    return Outcome(turn, reply)


async def run_agent_or_remote(
    agent: Agent, history: Sequence[ChatTurn], message: str, context: dict[str, Any] | None = None
) -> AgentReply:
    """Drop-in for `agents_app.runtime.run_agent` (same signature and result) that lets a registered remote agent
    answer; for callers holding their own history (no session)."""
    target = await sync_to_async(remote_agents.handler_for)(agent.name)
    turn = Turn(
        door="channel",
        agent=agent,
        session=Session(key=""),
        history=list(history),
        message=message,
        context=dict(context or {}),
        remote=target,
    )
    reply = await _remote(turn) if target else None
    return reply or await runtime_run_agent(agent, history, message, context)


__all__ = [
    "Door",
    "Outcome",
    "SessionRefused",
    "SessionSpec",
    "Turn",
    "answer",
    "prepare",
    "record",
    "run",
    "run_agent_or_remote",
    "stream",
    "stream_frame",
]
