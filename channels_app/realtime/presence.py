"""Presence: who is online, per client identity; joins and leaves are announced to the client's channels.

Online means a heartbeat (frame or HTTP) within presence_timeout; the sweeper in each process marks the silent ones
offline with a conditional update, so exactly one process announces each leave.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from channels_app.realtime import frames, groups
from channels_app.realtime.models import Presence, PushSubscription


def heartbeat(client_id: str, status: str = "online", metadata: dict[str, Any] | None = None) -> bool:
    """Refresh presence; True when the identity just came online (a join to announce)."""
    now = timezone.now()
    values = {"status": str(status)[:32] or "online", "last_seen_at": now, "online": True}
    if metadata is not None:
        values["metadata"] = metadata
    came_online = Presence.objects.filter(client_id=client_id, online=False).update(**values)
    if came_online:
        return True
    if Presence.objects.filter(client_id=client_id).update(**values):
        return False
    Presence.objects.create(client_id=client_id, **values)
    return True


def go_offline(client_id: str) -> bool:
    """Mark offline; True when this call made the transition (a leave to announce)."""
    return bool(Presence.objects.filter(client_id=client_id, online=True).update(online=False))


def query(channel: str | None = None, timeout: float = 45.0) -> list[dict[str, Any]]:
    """Online identities (of one channel's subscribers, when given)."""
    rows = Presence.objects.filter(online=True, last_seen_at__gt=timezone.now() - timedelta(seconds=timeout))
    if channel:
        rows = rows.filter(
            client_id__in=PushSubscription.objects.filter(channel__name=channel).values_list("client_id", flat=True)
        )
    return [
        {
            "client_id": p.client_id,
            "status": p.status,
            "metadata": p.metadata,
            "last_seen": p.last_seen_at.isoformat().replace("+00:00", "Z"),
        }
        for p in rows.order_by("client_id")
    ]


def sweep(timeout: float) -> list[str]:
    """Mark identities silent for `timeout` offline; returns those this process flipped."""
    cutoff = timezone.now() - timedelta(seconds=timeout)
    flipped = []
    for client_id in Presence.objects.filter(online=True, last_seen_at__lt=cutoff).values_list("client_id", flat=True):
        if Presence.objects.filter(client_id=client_id, online=True, last_seen_at__lt=cutoff).update(online=False):
            flipped.append(client_id)
    return flipped


def announce_messages(client_id: str, kind: str, status: str = "online") -> list[tuple[str, dict[str, Any]]]:
    """(group, channel-layer message) pairs announcing a join/leave to every channel the identity is subscribed to."""
    out = []
    for name in PushSubscription.objects.filter(client_id=client_id).values_list("channel__name", flat=True):
        frame = frames.event(kind, {"client_id": client_id, "status": status}, source=client_id, channel=name)
        out.append((groups.push_group(name), {"type": "push.presence", "frame": frame, "client_id": client_id}))
    return out


def announce(client_id: str, kind: str, status: str = "online") -> None:
    """Sync announce (sweeper, polling views)."""
    layer = get_channel_layer()
    if layer is None:
        return
    for group, message in announce_messages(client_id, kind, status):
        async_to_sync(layer.group_send)(group, message)
