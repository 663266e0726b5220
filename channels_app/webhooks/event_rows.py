"""The inbound event rows of an intake batch: inserted together, each duplicate and each refused value its own.

Why a batch: the acknowledgement waits for the insert, and on PostgreSQL one INSERT and two savepoints per
delivery were most of the intake's CPU and of its round trips (py-spy --gil, bench/webhook_load.py --distributed
--ack-only). The database's unique keys still decide duplicates (`ON CONFLICT DO NOTHING`), so the batch needs
no savepoint per row; a value the database refuses fails the batch statement, and only then is each row
inserted alone, where the refusal costs that row and no other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from channels_app.adapters.base import InboundMessage
from channels_app.models import ChannelInstance, InboundEvent
from gatewaysite import fastsql

KEY = ("instance_id", "dedupe_key")  # the unique key the batch's inserts are read back by


@dataclass
class EventRow:
    """One message of a delivery, cleaned and judged, with what its insert gave: an id, a duplicate, a refusal."""

    delivery: int  # index of its delivery in the batch
    instance: ChannelInstance
    message: InboundMessage
    fields: dict
    reason: str  # why it gets no answer ('' when it is answered)
    ignored: bool  # stored as finished, not answered (a reason without a notice)
    event_id: int | None = None
    rejected: str = field(default="")  # the database's refusal of one of its values, when it refused one


def insert(rows: Sequence[EventRow]) -> None:
    """Store every row (sets `event_id`, or `rejected`): those to answer in one batch, ignored ones one by one."""
    answerable = [row for row in rows if not row.ignored]
    if answerable:
        _insert_answerable(answerable)
    for row in rows:
        if row.ignored:
            _insert_ignored(row)


def _values(row: EventRow) -> dict:
    return {"instance_id": row.instance.pk, "error": row.reason, **row.fields}


def _insert_answerable(rows: list[EventRow]) -> None:
    try:
        with _statement_guard():
            ids = fastsql.insert_new(InboundEvent, [_values(row) for row in rows], KEY)
    except (DataError, IntegrityError):  # one row's value or instance: find it by inserting each alone
        for row in rows:
            _insert_alone(row)
        return
    for row, event_id in zip(rows, ids, strict=True):
        row.event_id = event_id


def _insert_alone(row: EventRow) -> None:
    try:
        with _statement_guard():
            row.event_id = fastsql.insert_new(InboundEvent, [_values(row)], KEY)[0]
    except IntegrityError:  # the instance went away under us: nothing to answer for
        row.event_id = None
    except DataError as exc:  # a value the database refuses even cleaned: this row alone is dropped (and logged)
        row.rejected = str(exc) or type(exc).__name__


def _statement_guard() -> contextlib.AbstractContextManager:
    """A savepoint only where a failed statement spoils the transaction (PostgreSQL); SQLite undoes just the
    statement."""
    return contextlib.nullcontext() if connection.vendor == "sqlite" else transaction.atomic()


def _insert_ignored(row: EventRow) -> None:
    """Through the ORM: the pairing notice (routing.pairing) listens for an ignored event's post_save."""
    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(
                instance=row.instance,
                status=InboundEvent.Status.IGNORED,
                error=row.reason,
                finished_at=timezone.now(),
                **row.fields,
            )
    except IntegrityError:
        row.event_id = None
    except DataError as exc:
        row.rejected = str(exc) or type(exc).__name__
    else:
        row.event_id = event.pk
