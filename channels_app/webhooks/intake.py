"""Store normalised inbound messages exactly once and hand the new ones to the pipeline.

Shared by the webhook view and the long-lived listeners: the check-and-insert is the database's unique
constraints (delivery key and message key), so concurrent duplicates cannot both get through. The handler
named by settings.GATEWAY_INBOUND_HANDLER is called with the new event ids after the commit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from channels_app.adapters.base import DeliveryStatus, InboundMessage
from channels_app.events import EventType, publish
from channels_app.health import record_instance_error
from channels_app.models import ChannelInstance, InboundEvent, OutboundMessage
from channels_app.webhooks import admission, event_rows, feedback, nul, ratelimit
from channels_app.webhooks.event_rows import EventRow

logger = logging.getLogger(__name__)


@dataclass
class IntakeResult:
    """What happened to one delivery's messages."""

    accepted: list[int] = field(default_factory=list)
    duplicates: int = 0
    ignored: int = 0
    statuses: int = 0
    rejected: int = 0  # authentic items the database refused even after cleaning (logged, not redelivered)


def conversation_key(instance_name: str, chat_id: str, thread_id: str) -> str:
    """instance:chat:thread, hashed when it would not fit the column."""
    key = f"{instance_name}:{chat_id}:{thread_id}"
    if len(key) <= 255:
        return key
    return f"{instance_name[:100]}:h{hashlib.sha256(key.encode()).hexdigest()}"


def ignore_reason(instance: ChannelInstance, message: InboundMessage) -> str:
    """Why an authentic message gets no answer ('' when it should be answered)."""
    if message.is_bot_echo:
        return "bot echo (our own or another bot's message)"
    if instance.paused:
        return "instance paused: stored, not answered (resume it to answer new messages)"
    if message.ignore_reason:
        return message.ignore_reason
    if not message.text.strip():
        return "empty text"
    if refused := admission.refusal(instance.options or {}, message.sender_id, message.chat_id):
        return refused
    policy = instance.option("group_policy") or "mention_only"
    if message.context in ("group", "channel") and policy == "mention_only" and not message.mentioned:
        return "not addressed to the bot (group_policy mention_only)"
    if not ratelimit.sender_allowed(instance.name, message.sender_id, instance.options or {}):
        return "sender rate limit"
    return ""


_MESSAGE_FIELDS = tuple(f.name for f in dataclasses.fields(InboundMessage) if f.name != "raw")


def _payload(message: InboundMessage, nul_stripped: bool = False) -> dict:
    # Field by field, not dataclasses.asdict: that deep-copies the platform's raw payload, only to serialise it.
    data = {name: getattr(message, name) for name in _MESSAGE_FIELDS}
    raw = message.raw
    payload = {"message": data, "raw": raw}
    if nul_stripped:
        payload[nul.MARK] = True
    return payload


@dataclass
class Delivery:
    """One platform delivery: the messages and delivery receipts of one webhook request or listener batch."""

    instance: ChannelInstance
    messages: Sequence[InboundMessage]
    statuses: Sequence[DeliveryStatus]


def store(
    instance: ChannelInstance,
    messages: Iterable[InboundMessage],
    statuses: Iterable[DeliveryStatus] = (),
    *,
    event_type: str = "message",
) -> IntakeResult:
    """Insert each message once; duplicates (same delivery or same message) are counted and dropped.

    Raises django.db.DatabaseError when the database is unavailable: the caller answers 503 so the platform
    redelivers.
    """
    messages, statuses = list(messages), list(statuses)
    # A delivery's messages are stored together or not at all: a savepoint inside a caller's transaction, needed
    # only when there is more than one statement to undo together, or where a failed statement spoils the whole
    # transaction (PostgreSQL).
    together = connection.vendor != "sqlite" or len(messages) + len(statuses) > 1
    with transaction.atomic(savepoint=together):
        return store_many([Delivery(instance, messages, statuses)], event_type=event_type)[0]


def store_many(deliveries: Sequence[Delivery], *, event_type: str = "message") -> list[IntakeResult]:
    """`store` for several deliveries in the caller's transaction (the intake writer's batch), their messages
    inserted together (event_rows.py); one result per delivery, in order.

    Raises when any delivery cannot be stored: the writer then stores each delivery of the batch on its own, so
    the one that fails costs the others only that retry.
    """
    rows = [
        _judge(index, delivery.instance, message, event_type)
        for index, delivery in enumerate(deliveries)
        for message in delivery.messages
    ]
    event_rows.insert(rows)
    results = [IntakeResult() for _ in deliveries]
    for row in rows:
        _tally(row, results[row.delivery])
    for delivery, result in zip(deliveries, results, strict=True):
        for status in delivery.statuses:
            result.statuses += record_status(delivery.instance, nul.clean_message(status)[0])
    accepted = [event_id for result in results for event_id in result.accepted]
    if accepted:
        transaction.on_commit(lambda: hand_over(accepted), robust=True)
    return results


def _judge(index: int, instance: ChannelInstance, original: InboundMessage, event_type: str) -> EventRow:
    """Clean one message and decide whether it is answered, ready for its insert."""
    # PostgreSQL refuses U+0000 in text and jsonb: strip it and mark the event (channels_app/webhooks/nul.py).
    message, stripped = nul.clean_message(original)
    if stripped:
        logger.info("inbound %s on %s: NUL characters stripped", message.dedupe_key, instance.name)
    message.instance = original.instance = instance.name
    reason = ignore_reason(instance, message)
    # A short notice instead of silence (rate limit, not allowed): the event then carries it as its reply.
    notice = feedback.notice(instance, message, reason) if reason else ""
    payload = _payload(message, stripped)
    if notice:
        payload["feedback"] = notice
    fields = {
        "dedupe_key": message.dedupe_key[:255],
        "message_key": message.message_key[:255],
        "event_type": event_type,
        "payload": payload,
        "conversation_key": conversation_key(instance.name, message.chat_id, message.thread_id),
        "chat_id": message.chat_id[:255],
        "thread_id": message.thread_id[:255],
        "context": message.context,
        "sender_id": message.sender_id[:255],
    }
    return EventRow(index, instance, message, fields, reason, ignored=bool(reason) and not notice)


def _tally(row: EventRow, result: IntakeResult) -> None:
    """Count one stored row in its delivery's result and publish what happened to it."""
    instance, message = row.instance, row.message
    if row.rejected:
        # Authentic, but the database refuses a value even cleaned: dropped alone, so the rest of its batch is
        # stored and the platform does not redeliver the poison forever.
        result.rejected += 1
        logger.warning("inbound %s on %s not storable: %s", message.dedupe_key, instance.name, row.rejected)
        return
    if row.event_id is None:
        result.duplicates += 1
        publish(EventType.INBOUND_DUPLICATE, instance=instance.name, dedupe_key=message.dedupe_key)
        return
    data = {"instance": instance.name, "event_id": row.event_id, "platform": instance.platform}
    if row.ignored:
        result.ignored += 1
        publish(EventType.INBOUND_IGNORED, reason=row.reason, **data)
    else:
        result.accepted.append(row.event_id)
        publish(EventType.INBOUND_RECEIVED, chat_id=message.chat_id, context=message.context, **data)


def record_status(instance: ChannelInstance, status: DeliveryStatus) -> int:
    """Apply a delivery receipt to the outbound message it is about; a failure is recorded on the instance."""
    try:
        with transaction.atomic():
            InboundEvent.objects.create(
                instance=instance,
                dedupe_key=f"status:{status.platform_message_id}:{status.status}"[:255],
                event_type="status",
                payload={"status": dataclasses.asdict(status)},
                status=InboundEvent.Status.DONE,
                finished_at=timezone.now(),
            )
    except IntegrityError:
        return 0  # the same receipt redelivered
    fields: dict = {"delivery_status": status.status[:32]}
    if status.status == "failed":
        error = f"({status.error_code}) {status.error_message}".strip()
        fields.update(status=OutboundMessage.Status.FAILED, error=error)
        # 131047: outside the 24-hour window; only a template can reach the user now (PLATFORMS.md §4.7).
        record_instance_error(instance.pk, f"delivery failed: {error}")
    OutboundMessage.objects.filter(instance=instance, platform_message_id=status.platform_message_id).update(**fields)
    publish(
        EventType.DELIVERY_STATUS,
        instance=instance.name,
        platform_message_id=status.platform_message_id,
        status=status.status,
        error_code=status.error_code,
    )
    return 1


def hand_over(event_ids: list[int]) -> None:
    """Give new events to the pipeline through the one configured entry point."""
    try:
        import_string(settings.GATEWAY_INBOUND_HANDLER)(event_ids)
    except Exception:
        # Stored is safe: resume_unfinished (start-up) and the sweeper pick these up later.
        logger.exception("inbound handler failed for events %s; they stay queued", event_ids)


def accept(instance: ChannelInstance, messages: list[InboundMessage], *, event_type: str = "message") -> int:
    """Listener entry point: store and dispatch; returns how many messages were new and will be answered."""
    return len(store(instance, messages, event_type=event_type).accepted)
