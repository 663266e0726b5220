"""Hands listener messages to the same store-then-dispatch entry point the webhook view uses (no second pipeline)."""

from __future__ import annotations

from channels_app.adapters.base import InboundMessage
from channels_app.models import ChannelInstance


def accept(instance: ChannelInstance, messages: list[InboundMessage], *, event_type: str = "message") -> int:
    """Store each message once (unique dedupe key) and dispatch the new ones; returns how many will be answered."""
    from channels_app.webhooks.intake import accept as webhook_accept

    return webhook_accept(instance, messages, event_type=event_type)
