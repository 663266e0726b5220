"""WebSocket turns a graceful stop could not finish in time: handed over durably and answered once at the next start.

On SIGTERM `rungateway` waits up to GATEWAY_SHUTDOWN_TIMEOUT for running turns. A turn still running then is stored
here (`hand_over`) as the accepted request; the next start (`resume_handed_over`) runs it once through the turn
handler and stores the answer in the session's replay buffer, so a client resuming with `session_id` + `since`
receives it exactly once. The row is deleted in the same transaction that stores the answer.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from channels_app.realtime import frames, groups, sessions
from channels_app.realtime.config import load_config
from channels_app.realtime.models import HandedOverTurn, SessionFrame, WsSession
from channels_app.realtime.turns import TurnError, TurnInput, TurnReply, turn_handler

log = logging.getLogger(__name__)


# Rows this process took to answer and has not answered yet: a stop that runs out of time gives them back.
_taken: set[int] = set()


def hand_over(turns: list[TurnInput]) -> int:
    """Store each unfinished turn for the next start; returns how many were stored. Handed-over turns this process
    was still answering are given back too (their rows stay; the next start takes them again)."""
    if _taken:
        HandedOverTurn.objects.filter(pk__in=list(_taken)).update(claimed_at=None)
        _taken.clear()
    stored = 0
    for turn in turns:
        session = WsSession.objects.filter(session_id=turn.session_id).first()
        if session is None:
            continue
        HandedOverTurn.objects.create(
            session=session,
            agent_id=turn.agent_id,
            request_id=turn.request_id,
            client_id=turn.client_id,
            content=turn.content,
            max_messages=turn.max_messages,
        )
        stored += 1
    return stored


def _claim(row: HandedOverTurn, stale: float) -> bool:
    """Take the row for this process; a claim older than the turn timeout (its process died) may be taken again."""
    now = timezone.now()
    free = HandedOverTurn.objects.filter(pk=row.pk, claimed_at__isnull=True)
    if not free.update(claimed_at=now):
        expired = HandedOverTurn.objects.filter(pk=row.pk, claimed_at__lt=now - timedelta(seconds=stale))
        return bool(expired.update(claimed_at=now))
    return True


def _already_answered(row: HandedOverTurn) -> bool:
    """The turn finished after all (in the last moment of the stop): its final frame is already stored."""
    if not row.request_id:
        return False
    return SessionFrame.objects.filter(
        session=row.session, frame__type="response", frame__status="final", frame__request_id=row.request_id
    ).exists()


async def _no_events(kind: str, data: dict[str, Any]) -> None:
    """A resumed turn has no socket to stream to; only its final answer is stored."""


def _store(row: HandedOverTurn, final: dict[str, Any], persist: Any) -> dict[str, Any]:
    """The answer, the turn's history write and the row's removal in one transaction: answered once, or not at all."""

    def store() -> None:
        if persist is not None:
            persist()
        HandedOverTurn.objects.filter(pk=row.pk).delete()

    stamped = sessions.append_frame(row.session.session_id, final, store)
    _taken.discard(row.pk)
    return stamped


def _pending() -> tuple[list[HandedOverTurn], float]:
    """The rows this process takes, and the turn timeout (read here: the config read may touch the database)."""
    stale = load_config().turn_timeout
    rows = [
        row
        for row in HandedOverTurn.objects.select_related("session").order_by("created_at", "id")
        if _claim(row, stale)
    ]
    fresh = []
    for row in rows:
        if _already_answered(row):
            HandedOverTurn.objects.filter(pk=row.pk).delete()
        else:
            fresh.append(row)
            _taken.add(row.pk)
    return fresh, stale


async def _answer(row: HandedOverTurn, timeout: float) -> dict[str, Any]:
    turn = TurnInput(
        session_id=row.session.session_id,
        agent_id=row.agent_id,
        content=row.content,
        request_id=row.request_id,
        client_id=row.client_id,
        max_messages=row.max_messages,
    )
    extra = {"request_id": row.request_id} if row.request_id else {}
    persist = None
    try:
        async with asyncio.timeout(timeout):
            result = await turn_handler()(turn, _no_events)
    except TimeoutError:
        outcome = frames.outcome_error("timeout", "the agent took too long", retryable=True)
        final = frames.response("final", "", turn.session_id, outcome=outcome, **extra)
    except TurnError as exc:
        outcome = frames.outcome_error(exc.code, exc.message, retryable=exc.retryable)
        final = frames.response("final", "", turn.session_id, outcome=outcome, **extra)
    except Exception as exc:  # noqa: BLE001 - the client hears an error instead of silence
        log.exception("a handed-over turn failed in session %s", turn.session_id)
        outcome = frames.outcome_error("agent_error", str(exc) or exc.__class__.__name__)
        final = frames.response("final", "", turn.session_id, outcome=outcome, **extra)
    else:
        text, persist = (result.text, result.persist) if isinstance(result, TurnReply) else (result, None)
        final = frames.response(
            "final", text, turn.session_id, outcome=frames.outcome_ok(), agent_id=turn.agent_id, **extra
        )
    return await database_sync_to_async(_store)(row, final, persist)


async def resume_handed_over() -> int:
    """Answer every handed-over turn once, in the server's event loop; returns how many were answered.

    A client that resumed while the turn ran gets the answer pushed to its session group; a later one gets it
    from the replay buffer.
    """
    answered = 0
    layer = get_channel_layer()
    rows, timeout = await database_sync_to_async(_pending)()
    for row in rows:
        stamped = await _answer(row, timeout)
        answered += 1
        if layer is not None:
            await layer.group_send(groups.session_group(row.session.session_id), {"type": "ws.frame", "frame": stamped})
    if answered:
        log.info("answered %s WebSocket turn(s) handed over by the last stop", answered)
    return answered
