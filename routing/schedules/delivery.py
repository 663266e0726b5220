"""Deliver a scheduled message: format, split, send each chunk once, record every chunk as an OutboundMessage.

Each chunk has an idempotency key derived from the run, so a resumed run never sends a chunk the platform already
accepted. Transient errors retry with a bound (honouring Retry-After); permanent ones are recorded on the instance.
"""

from __future__ import annotations

import logging
import time

from django.utils import timezone

from channels_app.adapters import DeliveryError, NotConfigured, Target, get_adapter
from channels_app.models import ChannelInstance, OutboundMessage
from routing.schedules import config

log = logging.getLogger(__name__)


class ScheduleDeliveryError(Exception):
    """The message could not be delivered; the text says why (no secrets)."""


def _record_instance_error(instance: ChannelInstance, message: str) -> None:
    ChannelInstance.objects.filter(pk=instance.pk).update(last_error=message[:2000], last_error_at=timezone.now())


def _send_with_retries(adapter: object, chunk: str, target: Target, outbound: OutboundMessage) -> None:
    attempts = config.delivery_attempts()
    for attempt in range(1, attempts + 1):
        OutboundMessage.objects.filter(pk=outbound.pk).update(attempts=outbound.attempts + 1)
        outbound.attempts += 1
        try:
            sent = adapter.send(chunk, target)
        except DeliveryError as exc:
            outbound.error = str(exc)[:2000]
            if exc.permanent or attempt == attempts:
                outbound.status = OutboundMessage.Status.FAILED
                outbound.save(update_fields=["status", "error"])
                raise
            outbound.save(update_fields=["error"])
            time.sleep(
                min(exc.retry_after if exc.retry_after is not None else 0.2 * 2**attempt, config.retry_cap_seconds())
            )
            continue
        outbound.status = OutboundMessage.Status.SENT
        outbound.sent_at = timezone.now()
        outbound.error = ""
        outbound.platform_message_id = (getattr(sent, "platform_message_id", "") or "")[:255]
        outbound.save(update_fields=["status", "sent_at", "error", "platform_message_id"])
        return


def deliver_text(instance: ChannelInstance, chat_id: str, thread_id: str, markdown: str, key_prefix: str) -> int:
    """Send `markdown` to a chat (and thread) on `instance`; returns how many chunks were sent now."""
    if not instance.enabled:
        raise ScheduleDeliveryError(f"channel '{instance.name}' is disabled")
    adapter = get_adapter(instance)
    if adapter is None:
        raise ScheduleDeliveryError(f"channel '{instance.name}': no adapter for platform '{instance.platform}'")
    target = Target(chat_id=chat_id, thread_id=thread_id)
    sent_now = 0
    for index, chunk in enumerate(adapter.split(markdown)):
        outbound, _ = OutboundMessage.objects.get_or_create(
            idempotency_key=f"{key_prefix}:{index}",
            defaults={"instance": instance, "chat_id": chat_id, "thread_id": thread_id, "text": chunk},
        )
        if outbound.status == OutboundMessage.Status.SENT:
            continue  # already accepted by the platform in an earlier attempt of this run
        try:
            _send_with_retries(adapter, chunk, target, outbound)
        except NotConfigured as exc:
            OutboundMessage.objects.filter(pk=outbound.pk).update(status=OutboundMessage.Status.FAILED, error=str(exc))
            _record_instance_error(instance, str(exc))
            raise ScheduleDeliveryError(str(exc)) from exc
        except DeliveryError as exc:
            if exc.permanent:
                _record_instance_error(instance, str(exc))
            raise ScheduleDeliveryError(f"delivery to '{instance.name}' failed: {exc}") from exc
        sent_now += 1
    return sent_now
