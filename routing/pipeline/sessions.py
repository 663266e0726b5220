"""Conversation sessions of every door: open (with the idle rule), history, append with the message cap, and
one-run-at-a-time per conversation across processes.

The per-conversation lock is a PostgreSQL advisory lock (tied to the connection, so a killed worker releases
it) in the distributed mode, and a process-local lock on SQLite, where the embedded mode is one process.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from agents_app.models import Agent
from agents_app.runtime import ChatTurn
from channels_app.models import ChannelInstance
from gatewaysite import fastsql
from routing import lookups
from routing.models import Session, SessionMessage

# The conversations a thread of this process is working on; a key leaves when its worker does, so the set stays as
# small as the work in flight (a lock object per conversation ever seen grew without bound).
_local_held: set[str] = set()
_local_guard = threading.Lock()


def _advisory_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def advisory_id_sql(expression: str) -> str:
    """PostgreSQL's spelling of `_advisory_id` for a text `expression` (a column, say): the same 64-bit number, so a
    lock taken in a statement that also reads the key is the lock `conversation_lock` takes and releases."""
    digest = f"sha256(convert_to({expression}, 'UTF8'))"
    return f"('x' || encode(substring({digest} from 1 for 8), 'hex'))::bit(64)::bigint"


@contextmanager
def conversation_lock(key: str, *, held: bool = False) -> Iterator[bool]:
    """Try to become the one worker of this conversation; yields False (without waiting) when another has it.

    `held`: this connection took the PostgreSQL lock already, in the statement that read the key
    (ledger.conversation_key_and_lock); it is released here all the same."""
    if connection.vendor == "postgresql":
        lock_id = _advisory_id(key)
        if held:
            got = True
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_id])
                got = bool(cursor.fetchone()[0])
        try:
            yield got
        finally:
            if got:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])
        return
    with _local_guard:
        got = key not in _local_held
        if got:
            _local_held.add(key)
    try:
        yield got
    finally:
        if got:
            with _local_guard:
                _local_held.discard(key)


class SessionRefused(Exception):
    """The session a client named is unknown, belongs to another agent, or expired (REST chat answers 404)."""


@dataclass(frozen=True)
class SessionSpec:
    """Where a door's conversation lives: its Session key and what a new one is created with.

    `named_by_client`: the key came from a client (REST chat) — an unknown, foreign or expired session is refused
    instead of silently started afresh, so the client learns its history is gone.
    """

    key: str
    kind: str
    instance: ChannelInstance | None = None
    chat_id: str = ""
    thread_id: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    named_by_client: bool = False


def _archived_key(key: str, pk: int) -> str:
    suffix = f"~closed-{pk}"
    return key[: 255 - len(suffix)] + suffix


def open_session(spec: SessionSpec, agent: Agent | None) -> Session:
    """The live session of `spec.key`; one idle longer than session_timeout is archived (kept, visible in the admin,
    under another key) and a fresh one starts — or, for a client-named session, refused."""
    now = timezone.now()
    session = fastsql.select_one(Session, "key", spec.key)
    if spec.named_by_client:
        if session is None or session.closed_at or session.kind != spec.kind:
            raise SessionRefused(f"unknown session '{spec.key}' for agent '{agent.name if agent else ''}'")
        if agent is not None and session.agent_id and session.agent_id != agent.pk:
            raise SessionRefused(f"unknown session '{spec.key}' for agent '{agent.name}'")
    if session is not None and _expired(session, now):
        if spec.named_by_client:
            Session.objects.filter(pk=session.pk).update(closed_at=now)
            raise SessionRefused(f"session '{spec.key}' expired after the gateway's session_timeout")
        Session.objects.filter(pk=session.pk).update(key=_archived_key(spec.key, session.pk), closed_at=now)
        session = None
    if session is None:
        fresh = Session(
            key=spec.key,
            kind=spec.kind,
            instance=spec.instance,
            chat_id=spec.chat_id,
            thread_id=spec.thread_id,
            agent=agent,
            metadata=spec.metadata,
        )
        try:
            with transaction.atomic():
                fastsql.insert_objects([fresh])
            session = fresh
        except IntegrityError:  # another door started this conversation a moment ago
            session = Session.objects.get(key=spec.key)
    return session


def _expired(session: Session, now: datetime) -> bool:
    timeout = lookups.gateway_settings().session_timeout
    return bool(session.closed_at) or (bool(timeout) and session.last_activity_at < now - timedelta(seconds=timeout))


def session_for(instance: ChannelInstance, conversation_key: str, chat_id: str, thread_id: str) -> Session:
    """The live session of a channel conversation (see open_session for the idle rule).

    Called with the conversation lock held, so two workers never create or close the same session at once.
    """
    spec = SessionSpec(
        key=conversation_key, kind=Session.Kind.CHANNEL, instance=instance, chat_id=chat_id, thread_id=thread_id
    )
    return open_session(spec, None)


def history(session: Session, *, cap: int | None = None) -> list[ChatTurn]:
    """The session's turns, oldest first, at most `cap` (default: session_max_messages)."""
    if cap is None:
        cap = lookups.gateway_settings().session_max_messages
    if not cap or session.pk is None:
        return []
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('role')}, {quote('content')} FROM {quote(SessionMessage._meta.db_table)} "
        f"WHERE {quote('session_id')} = %s AND {quote('role')} IN (%s, %s) ORDER BY {quote('seq')} DESC LIMIT %s"
    )
    with connection.cursor() as cursor:  # a fixed statement, not a queryset compiled per turn (fastsql.py says why)
        cursor.execute(sql, [session.pk, "user", "assistant", int(cap)])
        rows = cursor.fetchall()
    return [ChatTurn(role=role, content=content) for role, content in reversed(rows)]


def append_turns(
    session: Session, turns: list[tuple[str, str, dict]], *, agent: Agent | None = None, cap: int | None = None
) -> None:
    """Add turns (role, content, metadata) in order and drop the oldest beyond `cap` (default:
    session_max_messages); `agent` (when given and saved) becomes the session's agent in the same write as its last
    activity."""
    if cap is None:
        cap = lookups.gateway_settings().session_max_messages
    # No savepoint inside a caller's transaction (the pipeline's): a failure here fails the caller's write anyway.
    with transaction.atomic(savepoint=False):
        last = _last_seq(session.pk)
        now = timezone.now()
        fastsql.insert(
            SessionMessage,
            (
                {"session_id": session.pk, "seq": last + index, "role": role, "content": content, "metadata": meta}
                | {"created_at": now}
                for index, (role, content, meta) in enumerate(turns, start=1)
            ),
            returning=False,
        )
        newest = last + len(turns)
        if cap and newest > cap:
            SessionMessage.objects.filter(session=session, seq__lte=newest - cap).delete()
        changes: dict[str, object] = {"last_activity_at": now}
        if agent is not None and agent.pk and session.agent_id != agent.pk:
            changes["agent_id"] = agent.pk
            session.agent_id = agent.pk
        fastsql.update(Session, session.pk, **changes)
        session.last_activity_at = now


def _last_seq(session_id: int) -> int:
    """The session's newest seq (0 when empty); one fixed statement (gatewaysite/fastsql.py says why)."""
    quote = connection.ops.quote_name
    table, seq, owner = quote(SessionMessage._meta.db_table), quote("seq"), quote("session_id")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({seq}) FROM {table} WHERE {owner} = %s", [session_id])
        row = cursor.fetchone()
    return int(row[0] or 0)
