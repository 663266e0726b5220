"""Store one inbound event to be answered with a single statement: insert it, or learn it is a duplicate.

Why: the acknowledgement waits for this insert. Through the ORM it was `Model.save` (instance construction, field
pre-save, insert compilation) inside a savepoint that existed only to survive the duplicate's IntegrityError — about
a third of the CPU per acknowledgement in a py-spy --gil profile under bench/webhook_load.py --ack-only. Here the
statement is compiled once and the database settles duplicates itself (`ON CONFLICT DO NOTHING`, which covers both
unique keys, the delivery's and the message's, on SQLite ≥ 3.35 and PostgreSQL): no row back means duplicate.

Events the gateway will not answer (ignored, feedback notices) still go through the ORM, so `post_save` receivers
that care about them (routing.pairing) keep working; nothing listens for answered events being created.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection
from django.utils import timezone

from channels_app.models import InboundEvent

COLUMNS = (
    "instance_id",
    "dedupe_key",
    "message_key",
    "event_type",
    "payload",
    "status",
    "attempts",
    "error",
    "received_at",
    "conversation_key",
    "chat_id",
    "thread_id",
    "context",
    "sender_id",
    "reply",
)


@cache
def _statement() -> str:
    quote = connection.ops.quote_name
    column = {field.attname: field.column for field in InboundEvent._meta.concrete_fields}
    names = ", ".join(quote(column[name]) for name in COLUMNS)
    marks = ", ".join(["%s"] * len(COLUMNS))
    table = quote(InboundEvent._meta.db_table)
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING RETURNING {quote('id')}"


def insert_received(
    *,
    instance_id: int,
    dedupe_key: str,
    message_key: str,
    event_type: str,
    payload: dict[str, Any],
    conversation_key: str,
    chat_id: str,
    thread_id: str,
    context: str,
    sender_id: str,
    error: str = "",
) -> int | None:
    """Insert a `received` event (`error`: why it gets a notice instead of an answer, else ''); its id, or None when the delivery or the message is already stored."""
    payload_field = InboundEvent._meta.get_field("payload")
    values = (
        instance_id,
        dedupe_key,
        message_key,
        event_type,
        payload_field.get_db_prep_save(payload, connection),
        InboundEvent.Status.RECEIVED.value,
        0,
        error,
        connection.ops.adapt_datetimefield_value(timezone.now()),
        conversation_key,
        chat_id,
        thread_id,
        context,
        sender_id,
        "",
    )
    with connection.cursor() as cursor:
        cursor.execute(_statement(), values)
        row = cursor.fetchone()
    return None if row is None else int(row[0])
