"""PraisonAI's `unknown_user_policy: pair`: an unknown sender is refused (intake records why) and the instance's
`owner_user_id` is told once, in a direct message through the one delivery path, who asked and how to approve.

Sent after the inbound row commits, on a short thread of its own; one message per (instance, sender) thanks to the
delivery key. Slack, Telegram
and WhatsApp reach a user by id; Discord needs a DM channel first, so there the refusal is only recorded.
"""

from __future__ import annotations

import logging
import threading

from django.db import IntegrityError, connections, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from channels_app.adapters import get_adapter
from channels_app.models import InboundEvent, OutboundMessage

log = logging.getLogger(__name__)

PAIR_REASON = "unknown user (unknown_user_policy pair"
DM_BY_USER_ID = ("slack", "telegram", "whatsapp")


def notify_owner(event_id: int) -> None:
    """Tell the owner about the refused sender of this event (best effort: a failure is logged, never raised)."""
    from routing.pipeline.delivery import DeliveryFailed, deliver_text

    event = InboundEvent.objects.select_related("instance").filter(pk=event_id).first()
    if event is None:
        return
    instance = event.instance
    owner = str((instance.options or {}).get("owner_user_id") or "").strip()
    if not owner or instance.platform not in DM_BY_USER_ID:
        return
    message = (event.payload or {}).get("message") or {}
    who = message.get("sender_name") or event.sender_id
    text = (
        f"{who} (id {event.sender_id}) asked to talk to {instance.name} and was refused. "
        f"To approve, add {event.sender_id} to allowed_users of {instance.name}."
    )
    key = f"pair:{instance.name}:{event.sender_id}"[:240]
    adapter = get_adapter(instance)
    if adapter is None:
        return
    try:
        # The first chunk's row is the claim: whichever thread or process inserts it sends the notice, once.
        with transaction.atomic():
            OutboundMessage.objects.create(
                idempotency_key=f"{key}:0", instance=instance, chat_id=owner, text=adapter.split(text)[0], seq=0
            )
    except IntegrityError:
        return
    try:
        deliver_text(instance, owner, "", text, key)
    except DeliveryFailed as exc:
        log.warning("pairing request for %s on %s not delivered: %s", event.sender_id, instance.name, exc)


@receiver(post_save, sender=InboundEvent, dispatch_uid="routing.pairing")
def _on_inbound_saved(sender: type, instance: InboundEvent, created: bool = False, **kwargs: object) -> None:
    if created and instance.status == InboundEvent.Status.IGNORED and instance.error.startswith(PAIR_REASON):
        event_id = instance.pk
        transaction.on_commit(lambda: _in_background(event_id), robust=True)


def _in_background(event_id: int) -> None:
    """Off the request thread: a platform's acknowledgement deadline (Slack: 3 s) must not wait for this message."""

    def run() -> None:
        try:
            notify_owner(event_id)
        except Exception:  # a notice is a courtesy; the refusal is already recorded
            log.exception("pairing notice for event %s failed", event_id)
        finally:
            connections.close_all()

    threading.Thread(target=run, name="pairing-notice", daemon=True).start()
