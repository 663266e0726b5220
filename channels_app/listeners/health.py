"""Listener health for /health, gateway_status and the admin: one dict per listener, no secrets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from channels_app.listeners.models import ListenerLease, ListenerState

# A running listener that has shown no sign of life for this long is reported unhealthy.
STALE_AFTER = timedelta(minutes=5)


def listener_health() -> list[dict[str, Any]]:
    """Every known listener with its state; `healthy` is False for failed, backing-off or silent ones."""
    now = timezone.now()
    rows = []
    for state in ListenerState.objects.select_related("instance").order_by("instance__name"):
        seen = state.last_seen_at
        healthy = state.status in (ListenerState.Status.RUNNING, ListenerState.Status.STANDBY) and not (
            state.status == ListenerState.Status.RUNNING and (seen is None or now - seen > STALE_AFTER)
        )
        rows.append(
            {
                "instance": state.instance.name,
                "platform": state.instance.platform,
                "kind": state.kind,
                "status": state.status,
                "healthy": healthy,
                "holder": state.holder,
                "connected_at": _iso(state.connected_at),
                "last_seen_at": _iso(seen),
                "last_event_at": _iso(state.last_event_at),
                "events_received": state.events_received,
                "restarts": state.restarts,
                "last_error": state.last_error,
                "last_error_at": _iso(state.last_error_at),
            }
        )
    return rows


def active_leases() -> list[dict[str, Any]]:
    now = timezone.now()
    return [
        {"key": row.key, "holder": row.holder, "instance": row.instance_name, "expires_at": _iso(row.expires_at)}
        for row in ListenerLease.objects.exclude(holder="").filter(expires_at__gt=now)
    ]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None
