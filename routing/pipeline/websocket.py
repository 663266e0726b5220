"""The WebSocket door: which agent a hello reaches, and one turn of a WebSocket session through the turn service.

The consumer (channels_app.realtime) names these functions through settings (GATEWAY_WS_TURN_HANDLER,
GATEWAY_WS_AGENT_RESOLVER) so channels_app never imports routing or agents_app. Each WebSocket session has its own
routing.Session (key "ws:<session_id>", kind websocket): history is never shared between sessions of one agent.
"""

from __future__ import annotations

from functools import partial

from django.db import connection

from agents_app.models import Agent
from agents_app.runtime import AgentError
from channels_app.realtime.dbhop import pooled
from channels_app.realtime.turns import OnEvent, TurnError, TurnInput, TurnReply
from gatewaysite.ttl_cache import MISS, TTLCache
from routing.commands import session as session_commands
from routing.models import Session
from routing.pipeline import agent_lookup, turns
from routing.pipeline.sessions import SessionSpec

# The routing.Session of each WebSocket session that answered a turn in the last GATEWAY_WS_AGENT_CACHE_TTL seconds
# (default 2), keyed by "ws:<session id>", with the Agent instance it was opened for. A turn then hands
# turns.prepare the Session itself (as the channel pipeline does) instead of a spec to open: open_session's ORM
# query was 7 % of the plane's GIL time in a 50-client profile. `_still_live` checks the remembered row in the same
# raw statement that checks the agent, so a session reset or closed anywhere is never reused. An entry counts only
# with the very Agent object the agent cache returns now, so whatever clears that cache (an Agent, RoutingRule or
# ChannelInstance saved in this process, its own TTL, tests' agent_lookup.clear()) retires the Session too; within
# that lifetime the idle rule (session_timeout, minutes to hours) is not re-checked, so it applies at most the TTL
# late — a session answered seconds ago is not idle.
_sessions: TTLCache[tuple[Agent, Session]] = TTLCache(agent_lookup.ttl)


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

    The agent comes from the hello's short cache (agent_lookup), checked fresh by `_still_live`: reading it through
    the ORM cost 6.6 % of the plane's GIL time, and a turn must still never answer for an agent disabled, deleted
    or recreated under the same name since (by this process or another); then it is read again.
    """
    agent = agent_lookup.enabled_agent(turn.agent_id) if turn.agent_id else None
    if agent is None:
        return None
    key = f"ws:{turn.session_id}"
    remembered = _sessions.peek(key)
    session = remembered[1] if remembered is not MISS and remembered[0] is agent else None
    agent_live, session_live = _still_live(agent, session)
    if not agent_live:
        agent = Agent.objects.filter(name=turn.agent_id, enabled=True).first()
        if agent is None:
            return None
    spec: SessionSpec | Session
    if session is not None and session_live and agent_live:
        spec = session
    else:
        spec = SessionSpec(
            key=key,
            kind=Session.Kind.WEBSOCKET,
            chat_id=turn.session_id,
            metadata={"client_id": turn.client_id},
        )
    prepared = turns.prepare(
        "websocket",
        agent,
        turn.content,
        spec,
        context={"session_id": turn.session_id, "client_id": turn.client_id},
        cap=turn.max_messages,
    )
    if spec is not prepared.session:
        _sessions.put(key, (agent, prepared.session))
    return prepared


def _still_live(agent: Agent, session: Session | None) -> tuple[bool, bool]:
    """(the cached agent row is still there and enabled, the remembered session row is still open under its key),
    in one raw statement: a few dozen microseconds where each ORM query cost about half a millisecond of GIL time."""
    ops = connection.ops
    agents, sessions = ops.quote_name(Agent._meta.db_table), ops.quote_name(Session._meta.db_table)
    sql = (
        f"SELECT s.id FROM {agents} a LEFT JOIN {sessions} s "  # noqa: S608 - names from the models
        f"ON s.id = %s AND s.{ops.quote_name('key')} = %s AND s.closed_at IS NULL "
        "WHERE a.id = %s AND a.name = %s AND a.enabled"
    )
    params = [session.pk if session else None, session.key if session else None, agent.pk, agent.name]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False, False
    return True, row[0] is not None


async def run_turn(turn: TurnInput, on_event: OnEvent) -> TurnReply:
    """GATEWAY_WS_TURN_HANDLER: prepare the turn (one hop), answer through the turn service, and return the reply
    with its history write, which the consumer stores in the same hop as the final frame."""
    if turn.content.lstrip().startswith("/") and (
        done := await pooled(session_commands.reset_by_key)(f"ws:{turn.session_id}", turn.content)
    ):
        _sessions.clear()  # the session was archived: the next turn opens a fresh one (resets are rare)
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
