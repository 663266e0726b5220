"""Platform adapters: one module per platform behind `base.Adapter`, registered in `registry.ADAPTERS`."""

from __future__ import annotations

from channels_app.adapters.base import (
    Adapter,
    DeliveryError,
    DeliveryStatus,
    HandshakeRefused,
    HttpReply,
    InboundMessage,
    MalformedPayload,
    NotConfigured,
    Sent,
    Target,
    VerificationError,
)
from channels_app.adapters.registry import ADAPTERS, adapter_class, get_adapter

__all__ = [
    "ADAPTERS",
    "Adapter",
    "DeliveryError",
    "DeliveryStatus",
    "HandshakeRefused",
    "HttpReply",
    "InboundMessage",
    "MalformedPayload",
    "NotConfigured",
    "Sent",
    "Target",
    "VerificationError",
    "adapter_class",
    "get_adapter",
]
