"""The numbers an operator watches: connections, sessions, messages per platform, delivery health, recent errors.

Read by GET /api/v1/status and by the dashboard (which then follows the live events over the WebSocket plane).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from channels_app.models import ChannelInstance, InboundEvent, OutboundMessage
from routing.api import services
from routing.models import Session

RECENT_ERRORS = 10


def connection_count() -> int | None:
    """Live WebSocket connections across every server process (None when the WebSocket plane is not installed)."""
    try:
        from channels_app.realtime.connections import live_count
    except ImportError:
        return None
    return live_count()


def messages_per_platform() -> dict[str, dict[str, int]]:
    """Inbound and outbound counts per platform, with failures, over all time."""
    table: dict[str, dict[str, int]] = {}
    inbound = InboundEvent.objects.values("instance__platform").annotate(
        total=Count("id"), failed=Count("id", filter=Q(status=InboundEvent.Status.FAILED))
    )
    for row in inbound:
        entry = table.setdefault(row["instance__platform"], {"inbound": 0, "inbound_failed": 0, "outbound": 0})
        entry["inbound"] = row["total"]
        entry["inbound_failed"] = row["failed"]
    outbound = OutboundMessage.objects.values("instance__platform").annotate(
        total=Count("id"), failed=Count("id", filter=Q(status=OutboundMessage.Status.FAILED))
    )
    for row in outbound:
        entry = table.setdefault(row["instance__platform"], {"inbound": 0, "inbound_failed": 0, "outbound": 0})
        entry["outbound"] = row["total"]
        entry["outbound_failed"] = row["failed"]
    return table


def instance_health() -> list[dict[str, Any]]:
    """Each instance with its last permanent error and its pending/failed deliveries."""
    rows = ChannelInstance.objects.annotate(
        pending=Count("outbound_messages", filter=Q(outbound_messages__status=OutboundMessage.Status.PENDING)),
        failed=Count("outbound_messages", filter=Q(outbound_messages__status=OutboundMessage.Status.FAILED)),
    )
    return [
        {
            "name": row.name,
            "platform": row.platform,
            "enabled": row.enabled,
            "pending_deliveries": row.pending,
            "failed_deliveries": row.failed,
            "last_error": row.last_error,
            "last_error_at": row.last_error_at.isoformat() if row.last_error_at else None,
            "healthy": row.enabled and not row.last_error and row.failed == 0,
        }
        for row in rows
    ]


def recent_errors() -> list[dict[str, Any]]:
    """The latest failures of inbound processing and outbound delivery, newest first."""
    found: list[dict[str, Any]] = []
    for event in InboundEvent.objects.filter(status=InboundEvent.Status.FAILED).select_related("instance")[
        :RECENT_ERRORS
    ]:
        found.append(
            {"kind": "inbound", "instance": event.instance.name, "error": event.error, "at": event.received_at}
        )
    for message in OutboundMessage.objects.filter(status=OutboundMessage.Status.FAILED).select_related("instance")[
        :RECENT_ERRORS
    ]:
        found.append(
            {"kind": "outbound", "instance": message.instance.name, "error": message.error, "at": message.created_at}
        )
    found.sort(key=lambda item: item["at"], reverse=True)
    return [{**item, "at": item["at"].isoformat()} for item in found[:RECENT_ERRORS]]


def gateway_status() -> dict[str, Any]:
    """The dashboard's snapshot; the runtime part (listeners, processes) comes from the status service when present."""
    now = timezone.now()
    data: dict[str, Any] = {
        "time": now.isoformat(),
        "connections": connection_count(),
        "sessions": {
            "total": Session.objects.count(),
            "active": Session.objects.filter(
                closed_at__isnull=True, last_activity_at__gte=now - timedelta(hours=1)
            ).count(),
        },
        "messages": {
            "inbound": InboundEvent.objects.count(),
            "outbound": OutboundMessage.objects.count(),
            "per_platform": messages_per_platform(),
        },
        "instances": instance_health(),
        "recent_errors": recent_errors(),
    }
    if services.available("gateway_status"):
        try:
            data["runtime"] = services.resolve("gateway_status")()
        except Exception as exc:  # noqa: BLE001 - the dashboard must render even when the runtime probe fails
            data["runtime"] = {"error": str(exc)}
    return data
