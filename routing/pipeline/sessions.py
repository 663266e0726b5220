"""Conversation sessions for channel messages: `(instance, chat, thread)` → Session, with TTL, message cap and
one-run-at-a-time per conversation across processes.

The per-conversation lock is a PostgreSQL advisory lock (tied to the connection, so a killed worker releases
it) in the distributed mode, and a process-local lock on SQLite, where the embedded mode is one process.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from agents_app.models import Agent
from agents_app.runtime import ChatTurn
from channels_app.models import ChannelInstance
from routing import lookups
from routing.models import Session, SessionMessage

_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


def _advisory_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


@contextmanager
def conversation_lock(key: str) -> Iterator[bool]:
    """Try to become the one worker of this conversation; yields False (without waiting) when another has it."""
    if connection.vendor == "postgresql":
        lock_id = _advisory_id(key)
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
        lock = _local_locks.setdefault(key, threading.Lock())
    got = lock.acquire(blocking=False)
    try:
        yield got
    finally:
        if got:
            lock.release()


def _archived_key(key: str, pk: int) -> str:
    suffix = f"~closed-{pk}"
    return key[: 255 - len(suffix)] + suffix


def session_for(instance: ChannelInstance, conversation_key: str, chat_id: str, thread_id: str) -> Session:
    """The live session of a conversation; one idle longer than session_timeout is closed and a new one starts.

    Called with the conversation lock held, so two workers never create or close the same session at once.
    """
    config = lookups.gateway_settings()
    now = timezone.now()
    session = Session.objects.filter(key=conversation_key).first()
    if session is not None and (
        session.closed_at or session.last_activity_at < now - timedelta(seconds=config.session_timeout)
    ):
        # TTL eviction: keep the old transcript (visible in the admin) under an archived key.
        Session.objects.filter(pk=session.pk).update(key=_archived_key(conversation_key, session.pk), closed_at=now)
        session = None
    if session is None:
        session, _ = Session.objects.get_or_create(
            key=conversation_key,
            defaults={"kind": Session.Kind.CHANNEL, "instance": instance, "chat_id": chat_id, "thread_id": thread_id},
        )
    return session


def history(session: Session) -> list[ChatTurn]:
    """The session's turns, oldest first, at most session_max_messages."""
    cap = lookups.gateway_settings().session_max_messages
    rows = list(
        SessionMessage.objects.filter(session=session, role__in=("user", "assistant"))
        .order_by("-seq")
        .values_list("role", "content")[:cap]
    )
    return [ChatTurn(role=role, content=content) for role, content in reversed(rows)]


def append_turns(session: Session, turns: list[tuple[str, str, dict]], *, agent: Agent | None = None) -> None:
    """Add turns (role, content, metadata) in order and drop the oldest beyond session_max_messages; `agent`
    (when given and saved) becomes the session's agent in the same write as its last activity."""
    cap = lookups.gateway_settings().session_max_messages
    # No savepoint inside a caller's transaction (the pipeline's): a failure here fails the caller's write anyway.
    with transaction.atomic(savepoint=False):
        last = SessionMessage.objects.filter(session=session).aggregate(m=Max("seq"))["m"] or 0
        SessionMessage.objects.bulk_create(
            SessionMessage(session=session, seq=last + index, role=role, content=content, metadata=metadata)
            for index, (role, content, metadata) in enumerate(turns, start=1)
        )
        newest = last + len(turns)
        if newest > cap:
            SessionMessage.objects.filter(session=session, seq__lte=newest - cap).delete()
        changes: dict[str, object] = {"last_activity_at": timezone.now()}
        if agent is not None and agent.pk and session.agent_id != agent.pk:
            changes["agent"] = agent
        Session.objects.filter(pk=session.pk).update(**changes)
