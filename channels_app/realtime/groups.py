"""Every channel-layer group name of the WebSocket plane, built in one place (names must be ASCII, < 100 chars)."""

from __future__ import annotations

import hashlib
import re

ALL_CLIENTS = "ws.all"
GATEWAY_EVENTS = "gateway.events"
_SAFE = re.compile(r"^[A-Za-z0-9_.\-]{1,80}$")


def _safe(kind: str, name: str) -> str:
    if _SAFE.match(name):
        return f"{kind}.{name}"
    return f"{kind}.h{hashlib.sha256(name.encode()).hexdigest()[:40]}"


def session_group(session_id: str) -> str:
    """Everyone attached to one WebSocket session (its frames reach the client on whichever process it is)."""
    return _safe("ws.session", session_id)


def push_group(channel: str) -> str:
    """Subscribers of one push channel, on every process."""
    return _safe("push", channel)


def client_group(client_id: str) -> str:
    """Every connection of one client identity (presence, redelivery)."""
    return _safe("ws.client", client_id)
