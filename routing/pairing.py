"""PraisonAI's `unknown_user_policy: pair`: an unknown sender is refused (intake records why) and the instance's
`owner_user_id` is told once, in a direct message through the one delivery path, who asked and how to approve.

Sent after the inbound row commits; one message per (instance, sender) thanks to the delivery key. Slack, Telegram
and WhatsApp reach a user by id; Discord needs a DM channel first, so there the refusal is only recorded.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from channels_app.models import InboundEvent

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
    try:
        deliver_text(instance, owner, "", text, f"pair:{instance.name}:{event.sender_id}")
    except DeliveryFailed as exc:
        log.warning("pairing request for %s on %s not delivered: %s", event.sender_id, instance.name, exc)


@receiver(post_save, sender=InboundEvent, dispatch_uid="routing.pairing")
def _on_inbound_saved(sender: type, instance: InboundEvent, created: bool = False, **kwargs: object) -> None:
    if created and instance.status == InboundEvent.Status.IGNORED and instance.error.startswith(PAIR_REASON):
        event_id = instance.pk
        transaction.on_commit(lambda: notify_owner(event_id), robust=True)
