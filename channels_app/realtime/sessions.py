"""WebSocket sessions: create or resume, the replay buffer with cursors, request-id idempotency, expiry.

The conversation history itself belongs to routing.Session (written by the turn handler); this module keeps what the
wire protocol needs so any process can resume a session a client opened on another one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from channels_app.realtime.config import RealtimeConfig
from channels_app.realtime.models import SessionFrame, TurnRequest, WsSession

_FRAME_FIELD = SessionFrame._meta.get_field("frame")
REPLAYABLE = frozenset({"response", "error", "stream_end", "stream_error", "status", "agent_request"})


@dataclass(slots=True)
class OpenedSession:
    """What hello needs to answer: the session, whether it was resumed, and the frames to replay."""

    session: WsSession
    resumed: bool
    replay: list[dict[str, Any]] = field(default_factory=list)
    resync_required: bool = False


def _alive(session: WsSession, config: RealtimeConfig) -> bool:
    if session.closed_at is not None:
        return False
    return session.last_activity_at > timezone.now() - timedelta(seconds=config.session_timeout)


def open_session(
    *,
    session_id: str | None,
    agent_id: str,
    client_id: str,
    token_name: str,
    since: int | None,
    config: RealtimeConfig,
) -> OpenedSession:
    """Resume `session_id` when it is alive and belongs to the same agent, else start a new one."""
    now = timezone.now()
    if session_id:
        # Only the token that opened a session may resume it (a leaked session id alone is not enough).
        existing = WsSession.objects.filter(session_id=session_id, agent_id=agent_id, token_name=token_name).first()
        if existing is not None and _alive(existing, config):
            away_too_long = existing.disconnected_at is not None and existing.disconnected_at < now - timedelta(
                seconds=config.reconnect_timeout
            )
            WsSession.objects.filter(pk=existing.pk).update(
                connected=True, last_activity_at=now, disconnected_at=None, client_id=client_id or existing.client_id
            )
            existing.refresh_from_db()
            if away_too_long:
                SessionFrame.objects.filter(session=existing).delete()
                return OpenedSession(existing, True, [], resync_required=True)
            frames = SessionFrame.objects.filter(session=existing, seq__gt=since or 0).order_by("seq")
            return OpenedSession(existing, True, [f.frame for f in frames])
    session = WsSession.objects.create(
        session_id=uuid.uuid4().hex,
        agent_id=agent_id,
        client_id=client_id,
        token_name=token_name,
        connected=True,
        last_activity_at=now,
    )
    return OpenedSession(session, False)


def append_frame(session_id: str, frame: dict[str, Any], before: Callable[[], None] | None = None) -> dict[str, Any]:
    """Stamp the next cursor on a replayable frame and keep it for resume; other frames pass through unchanged.

    `before` (the turn's history write) runs in the same transaction, so a turn costs one hop and its history and its
    final frame are stored together or not at all. The cursor UPDATE comes first so SQLite takes its write lock at
    the start (a read-then-write transaction could fail at once with "database is locked" instead of waiting).
    """
    if frame.get("type") not in REPLAYABLE:
        if before is not None:
            with transaction.atomic():
                before()
        return frame
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic():
        row = _next_cursor(session_id, now)
        if before is not None:
            before()
        if row is None:
            return frame
        pk, cursor = row
        stamped = {**frame, "cursor": cursor, "seq": cursor}
        _keep_frame(pk, cursor, stamped, now)
    return stamped


def _next_cursor(session_id: str, now: object) -> tuple[int, int] | None:
    """Advance the session's cursor and return (session pk, new cursor) in one statement (UPDATE … RETURNING, on
    SQLite ≥ 3.35 and PostgreSQL), instead of an UPDATE and a locking re-read: a final frame is one round trip
    shorter, and the row stays locked by the UPDATE until the caller's transaction ends."""
    ops = connection.ops
    table, column = ops.quote_name(WsSession._meta.db_table), ops.quote_name("cursor")
    sql = (
        f"UPDATE {table} SET {column} = {column} + 1, last_activity_at = %s "  # noqa: S608 - names from the model
        f"WHERE session_id = %s RETURNING id, {column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, session_id])
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else None


def _keep_frame(session_pk: int, seq: int, frame: dict[str, Any], now: object) -> None:
    """INSERT the frame into the replay buffer as one prepared statement.

    `SessionFrame.objects.create` built a model instance and compiled the INSERT (and asked for the new id back)
    on every turn; the same row written with the JSON field's own adaptation (text on SQLite, jsonb on PostgreSQL)
    costs a fraction of that on the plane's database thread.
    """
    ops = connection.ops
    sql = (
        f"INSERT INTO {ops.quote_name(SessionFrame._meta.db_table)} "  # noqa: S608 - names from the model
        "(session_id, seq, frame, created_at) VALUES (%s, %s, %s, %s)"
    )
    value = _FRAME_FIELD.get_db_prep_save(frame, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [session_pk, seq, value, now])


def claim_request(session_id: str, request_id: str) -> bool:
    """True the first time a request_id is seen in a session; False for a repeat (answered `duplicate`).

    One INSERT … SELECT … ON CONFLICT DO NOTHING (SQLite ≥ 3.24, PostgreSQL): the session read, the savepoint and the
    ORM INSERT it replaces were two statements compiled per message that carries a request_id, on the plane's
    single database thread. A session that no longer exists still lets the turn run, as before.
    """
    ops = connection.ops
    requests, sessions = ops.quote_name(TurnRequest._meta.db_table), ops.quote_name(WsSession._meta.db_table)
    sql = (
        f"INSERT INTO {requests} (session_id, request_id, created_at) "  # noqa: S608 - names from the models
        f"SELECT id, %s, %s FROM {sessions} WHERE session_id = %s ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [request_id[:128], ops.adapt_datetimefield_value(timezone.now()), session_id])
        if cursor.rowcount == 1:
            return True
    return not WsSession.objects.filter(session_id=session_id).exists()  # nothing inserted: a repeat, or no session


def touch(session_id: str) -> None:
    WsSession.objects.filter(session_id=session_id).update(last_activity_at=timezone.now())


def mark_disconnected(session_id: str) -> None:
    now = timezone.now()
    WsSession.objects.filter(session_id=session_id, closed_at__isnull=True).update(
        connected=False, disconnected_at=now, last_activity_at=now
    )


def close_session(session_id: str) -> None:
    """`leave`: the session ends and cannot be resumed."""
    now = timezone.now()
    WsSession.objects.filter(session_id=session_id).update(connected=False, closed_at=now, disconnected_at=now)
    SessionFrame.objects.filter(session__session_id=session_id).delete()


def expire_sessions(config: RealtimeConfig) -> int:
    """Close sessions idle longer than session_timeout and drop their buffers."""
    cutoff = timezone.now() - timedelta(seconds=config.session_timeout)
    stale = WsSession.objects.filter(closed_at__isnull=True, last_activity_at__lt=cutoff)
    ids = list(stale.values_list("pk", flat=True))
    if ids:
        WsSession.objects.filter(pk__in=ids).update(closed_at=timezone.now(), connected=False)
        SessionFrame.objects.filter(session_id__in=ids).delete()
    return len(ids)
