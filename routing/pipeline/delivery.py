"""The one delivery path: every answer the gateway sends — a reply to a channel message, a schedule's message —
leaves through `send_rows`.

Each chunk is an OutboundMessage row stored before anything is sent, keyed so a resumed sender never sends a chunk
the platform already accepted. Chunks go out in order with one retry policy (GATEWAY_DELIVERY_MAX_ATTEMPTS attempts,
jittered exponential backoff from GATEWAY_RETRY_BASE, a platform's Retry-After honoured, every wait capped at
GATEWAY_RETRY_AFTER_CAP). Whether an error is worth retrying is the adapter's call (`DeliveryError.permanent`, as
Healthchecks' transports decide); a permanent failure is recorded on the instance (`last_error`, through
channels_app.health.record_instance_error, its one writer), and every attempt is counted on its row before it is made.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from channels_app.adapters import Adapter, DeliveryError, NotConfigured, Target, get_adapter
from channels_app.events import EventType, publish
from channels_app.health import record_instance_error
from channels_app.models import ChannelInstance, OutboundMessage
from gatewaysite import fastsql
from routing.pipeline import slots

IN_HTTP_RESPONSE = "http-response"  # platform_message_id of a chunk handed to a caller waiting on its request


class DeliveryFailed(Exception):
    """A message could not be delivered; the text says why (no secrets)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a transient failure; one policy for every sender."""

    max_attempts: int
    base: float
    cap: float

    @classmethod
    def current(cls) -> RetryPolicy:
        return cls(
            max_attempts=max(1, int(settings.GATEWAY_DELIVERY_MAX_ATTEMPTS)),
            base=float(settings.GATEWAY_RETRY_BASE),
            cap=float(settings.GATEWAY_RETRY_AFTER_CAP),
        )

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt `attempt + 1`: the platform's Retry-After when it gave one (bounded),
        else exponential backoff with jitter (so many senders hit by one outage do not retry in step)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.cap)
        return min(self.cap, self.base * (2 ** (attempt - 1))) * random.uniform(0.5, 1.0)


def send_rows(
    instance: ChannelInstance,
    adapter: Adapter,
    rows: Sequence[OutboundMessage],
    target_for: Callable[[OutboundMessage], Target],
    *,
    events: dict[str, Any] | None = None,
    policy: RetryPolicy | None = None,
) -> bool:
    """Send `rows` (one message's chunks, in order) that are not sent yet; True when all of them went out.

    A chunk that fails for good marks itself and every later chunk failed (a reply is never sent with a hole).
    """
    policy = policy or RetryPolicy.current()
    fields = dict(events or {}, instance=instance.name)
    for row in rows:
        if row.status == OutboundMessage.Status.SENT:
            continue
        if row.status == OutboundMessage.Status.FAILED:
            return False
        if not _send_one(instance, adapter, row, target_for(row), policy, fields):
            later = [r.pk for r in rows if r.seq > row.seq and r.pk is not None]
            OutboundMessage.objects.filter(pk__in=later).update(
                status=OutboundMessage.Status.FAILED, error="an earlier chunk failed"
            )
            return False
    return True


def _send_one(
    instance: ChannelInstance,
    adapter: Adapter,
    row: OutboundMessage,
    target: Target,
    policy: RetryPolicy,
    fields: dict[str, Any],
) -> bool:
    attempts = row.attempts
    while True:
        attempts += 1
        # Recorded before the send: an attempt that crashes is still counted.
        fastsql.update(OutboundMessage, row.pk, attempts=attempts)
        row.attempts = attempts
        try:
            with slots.waiting():  # the platform's answer time is not this worker's (slots.py)
                sent = adapter.send(row.text, target)
        except (DeliveryError, NotConfigured) as exc:
            error = str(exc)
            if getattr(exc, "permanent", True) or attempts >= policy.max_attempts:
                OutboundMessage.objects.filter(pk=row.pk).update(status=OutboundMessage.Status.FAILED, error=error)
                row.status, row.error = OutboundMessage.Status.FAILED, error
                record_instance_error(instance.pk, error)
                publish(EventType.OUTBOUND_FAILED, **fields, error=error)
                return False
            delay = policy.delay(attempts, getattr(exc, "retry_after", None))
            OutboundMessage.objects.filter(pk=row.pk).update(error=error)
            publish(EventType.OUTBOUND_RETRY, **fields, error=error, delay=delay)
            with slots.waiting():
                time.sleep(delay)
            continue
        mark_sent(row, sent.platform_message_id)
        publish(EventType.OUTBOUND_SENT, **fields, seq=row.seq, platform_message_id=sent.platform_message_id)
        return True


def mark_sent(row: OutboundMessage, platform_message_id: str) -> None:
    now = timezone.now()
    fastsql.update(
        OutboundMessage,
        row.pk,
        status=OutboundMessage.Status.SENT.value,
        platform_message_id=platform_message_id[:255],
        sent_at=now,
        error="",
    )
    row.status, row.platform_message_id, row.sent_at, row.error = (
        OutboundMessage.Status.SENT,
        platform_message_id[:255],
        now,
        "",
    )


def deliver_text(instance: ChannelInstance, chat_id: str, thread_id: str, markdown: str, key_prefix: str) -> int:
    """Send `markdown` to a chat (and thread) the gateway starts itself (a schedule); returns how many chunks went
    out now. Raises DeliveryFailed."""
    if not instance.enabled:
        raise DeliveryFailed(f"channel '{instance.name}' is disabled")
    adapter = get_adapter(instance)
    if adapter is None:
        raise DeliveryFailed(f"channel '{instance.name}': no adapter for platform '{instance.platform}'")
    rows = []
    for seq, chunk in enumerate(adapter.split(markdown)):
        row, _ = OutboundMessage.objects.get_or_create(
            idempotency_key=f"{key_prefix}:{seq}",
            defaults={"instance": instance, "chat_id": chat_id, "thread_id": thread_id, "text": chunk, "seq": seq},
        )
        rows.append(row)
    pending = sum(1 for row in rows if row.status != OutboundMessage.Status.SENT)

    def target_for(row: OutboundMessage) -> Target:
        return Target(chat_id=row.chat_id, thread_id=row.thread_id, extra={"delivery_id": row.idempotency_key})

    if not send_rows(instance, adapter, rows, target_for, events={"key": key_prefix}):
        failed = next((row for row in rows if row.status == OutboundMessage.Status.FAILED), None)
        reason = failed.error if failed is not None else "delivery failed"
        raise DeliveryFailed(f"delivery to '{instance.name}' failed: {reason}")
    return pending
