"""The pipeline's per-event bookkeeping as fixed SQL statements: which conversation an event belongs to, the claim
of a conversation's next unfinished event, the finish (through gatewaysite/fastsql.py), and whether anything is
left.

Why not the ORM here: these four statements run for every message whatever the agent does, and a profile of the
embedded server under bench/webhook_load.py (2,000 Slack deliveries, 50 concurrent, an HTTP model through the
`openai` SDK; py-spy --gil, so CPU only) put a third of the server's CPU in them — almost all of it Django
compiling the same querysets again for each message (`as_sql`, `pre_sql_setup`, `get_order_by`), not SQLite
running them. The statements below are written once, in the SQL both backends speak, and the event row is still
built as the ORM builds it (`fastsql.build`: its field converters, so JSON and datetimes come back as the ORM gives them).

The event's instance comes from a short-lived cache keyed by id (settings.GATEWAY_INSTANCE_CACHE_SECONDS, as for
the webhook's own lookup; a save or delete in this process drops it at once) instead of a join per event.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from django.conf import settings
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from channels_app.models import ChannelInstance, InboundEvent
from gatewaysite import fastsql
from gatewaysite.ttl_cache import TTLCache
from routing.pipeline.sessions import advisory_id_sql

UNFINISHED = (InboundEvent.Status.RECEIVED.value, InboundEvent.Status.PROCESSING.value)

_instances: TTLCache[ChannelInstance | None] = TTLCache(lambda: settings.GATEWAY_INSTANCE_CACHE_SECONDS)


@receiver(post_save, sender=ChannelInstance, dispatch_uid="pipeline-ledger-instance-save")
@receiver(post_delete, sender=ChannelInstance, dispatch_uid="pipeline-ledger-instance-delete")
def _forget_instances(**_: object) -> None:
    _instances.clear()


@cache
def _statements() -> dict[str, str]:
    """The statements, with table and column names from the model (identical SQL on SQLite and PostgreSQL)."""
    quote = connection.ops.quote_name
    table = quote(InboundEvent._meta.db_table)
    columns = fastsql.columns(InboundEvent)
    unfinished = f"{quote('conversation_key')} = %s AND {quote('status')} IN (%s, %s)"
    return {
        "key": f"SELECT {quote('conversation_key')} FROM {table} WHERE {quote('id')} = %s",
        "key_and_lock": (  # PostgreSQL only (conversation_key_and_lock)
            f"SELECT {quote('conversation_key')}, pg_try_advisory_lock({advisory_id_sql(quote('conversation_key'))}) "
            f"FROM {table} WHERE {quote('id')} = %s"
        ),
        "left": f"SELECT 1 FROM {table} WHERE {unfinished} LIMIT 1",
        # One round trip for "which is next" and "it is mine now" (both backends have UPDATE … RETURNING: SQLite
        # since 3.35). The conversation lock means no other worker claims in this conversation meanwhile.
        "claim_next": (
            f"UPDATE {table} SET {quote('status')} = %s, {quote('attempts')} = {quote('attempts')} + 1, "
            f"{quote('started_at')} = %s WHERE {quote('id')} = (SELECT {quote('id')} FROM {table} "
            f"WHERE {unfinished} ORDER BY {quote('id')} LIMIT 1) RETURNING {columns}"
        ),
    }


def _now() -> datetime | str | None:
    """Now, adapted for the backend as the ORM would store a DateTimeField."""
    return connection.ops.adapt_datetimefield_value(timezone.now())


def conversation_key(event_id: int) -> str | None:
    """The conversation `event_id` belongs to; None when there is no such event."""
    with connection.cursor() as cursor:
        cursor.execute(_statements()["key"], [event_id])
        row = cursor.fetchone()
    return None if row is None else row[0]


def conversation_key_and_lock(event_id: int) -> tuple[str | None, bool]:
    """The conversation of `event_id`, and whether this connection now holds its PostgreSQL advisory lock.

    On PostgreSQL both in one statement: a Celery task's first two round trips were the key's read and the lock.
    Hand the answer to `sessions.conversation_lock(key, held=...)`, which releases the lock. On SQLite (one process,
    a process-local lock) only the key is read, and the lock is left to `conversation_lock`.
    """
    if connection.vendor != "postgresql":
        return conversation_key(event_id), False
    with connection.cursor() as cursor:
        cursor.execute(_statements()["key_and_lock"], [event_id])
        row = cursor.fetchone()
    return (None, False) if row is None else (row[0], bool(row[1]))


def claim_next(key: str) -> InboundEvent | None:
    """Mark the oldest received-or-processing event of conversation `key` processing, count the attempt, and return
    it as it is now (its `attempts` includes this one), with its instance attached; None when nothing is left.

    Call it holding the conversation's lock (sessions.conversation_lock).
    """
    processing = InboundEvent.Status.PROCESSING.value
    with connection.cursor() as cursor:
        cursor.execute(_statements()["claim_next"], [processing, _now(), key, *UNFINISHED])
        rows = cursor.fetchall()  # to the end: SQLite holds the write lock until the statement is done
    if not rows:
        return None
    event = fastsql.build(InboundEvent, rows[0])
    instance = _instances.get(event.instance_id, lambda: ChannelInstance.objects.filter(pk=event.instance_id).first())
    if instance is not None:
        event.instance = instance
    return event


def has_unfinished(key: str) -> bool:
    """Whether conversation `key` still has an event to process."""
    with connection.cursor() as cursor:
        cursor.execute(_statements()["left"], [key, *UNFINISHED])
        return cursor.fetchone() is not None


def finish(event_id: int, status: str, error: str = "", *, attempts: int | None = None) -> None:
    """Mark the event done, failed or ignored, with why (and, when given, how many attempts it really had)."""
    values = {"status": str(status), "error": error[:4000], "finished_at": timezone.now()}
    if attempts is not None:
        values["attempts"] = attempts
    fastsql.update(InboundEvent, event_id, **values)
