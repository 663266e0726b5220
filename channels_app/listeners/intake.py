"""Hands listener messages to the same store-then-dispatch entry point the webhook view uses."""

from __future__ import annotations

from channels_app.adapters.base import InboundMessage
from channels_app.models import ChannelInstance


def accept(instance: ChannelInstance, messages: list[InboundMessage], *, event_type: str = "message") -> int:
    """Store each message (unique dedupe key) and dispatch the new ones; returns how many were new."""
    raise NotImplementedError("wired to the webhook intake once it lands")
