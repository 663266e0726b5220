"""The WebSocket door: which agent a hello reaches, and one turn of a WebSocket session through the turn service.

The consumer (channels_app.realtime) names these functions through settings (GATEWAY_WS_TURN_HANDLER,
GATEWAY_WS_AGENT_RESOLVER) so channels_app never imports routing or agents_app. Each WebSocket session has its own
routing.Session (key "ws:<session_id>", kind websocket): history is never shared between sessions of one agent.
"""

from __future__ import annotations

from functools import partial

from agents_app.models import Agent
from agents_app.runtime import AgentError
from channels_app.realtime.dbhop import pooled
from channels_app.realtime.turns import OnEvent, TurnError, TurnInput, TurnReply
from routing.commands import session as session_commands
from routing.models import Session
from routing.pipeline import agent_lookup, turns
from routing.pipeline.sessions import SessionSpec


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


def _prepare(turn: TurnInput) -> turns.Turn | None:
    """The turn's one read hop: the agent, the session's own routing.Session, its history, a remote handler.

    The agent is read fresh here (not from the hello cache): it costs no extra hop, and a turn must never use a
    stale row (an agent disabled, or deleted and recreated under the same name by another process).
    """
    agent = Agent.objects.filter(name=turn.agent_id, enabled=True).first() if turn.agent_id else None
    if agent is None:
        return None
    spec = SessionSpec(
        key=f"ws:{turn.session_id}",
        kind=Session.Kind.WEBSOCKET,
        chat_id=turn.session_id,
        metadata={"client_id": turn.client_id},
    )
    return turns.prepare(
        "websocket",
        agent,
        turn.content,
        spec,
        context={"session_id": turn.session_id, "client_id": turn.client_id},
        cap=turn.max_messages,
    )


async def run_turn(turn: TurnInput, on_event: OnEvent) -> TurnReply:
    """GATEWAY_WS_TURN_HANDLER: prepare the turn (one hop), answer through the turn service, and return the reply
    with its history write, which the consumer stores in the same hop as the final frame."""
    if turn.content.lstrip().startswith("/") and (
        done := await pooled(session_commands.reset_by_key)(f"ws:{turn.session_id}", turn.content)
    ):
        return TurnReply(done)  # a session command (/new, /reset, /clear): answered here, nothing to record
    prepared = await pooled(_prepare)(turn)
    if prepared is None:
        raise TurnError("agent_not_found", f"agent '{turn.agent_id}' is not available")
    try:
        reply = await turns.answer(prepared, on_event=on_event if turn.streaming else None)
    except AgentError as exc:
        if exc.model == "remote":
            raise TurnError("remote_agent_error", str(exc), retryable=True) from exc
        raise TurnError(exc.reason or "agent_error", str(exc)) from exc
    meta = {"request_id": turn.request_id, "client_id": turn.client_id}
    return TurnReply(reply.text, partial(turns.record, prepared, reply, user_meta=meta))
