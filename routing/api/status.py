"""The numbers an operator watches: connections, sessions, messages per platform, delivery health, recent errors.

Read by GET /api/v1/status and by the dashboard (which then follows the live events over the WebSocket plane).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from channels_app.models import InboundEvent, OutboundMessage
from routing.models import Session
from routing.status.snapshot import gateway_status_snapshot

RECENT_ERRORS = 10


def connection_count() -> int | None:
    """Live WebSocket connections across every server process (None when the WebSocket plane is not installed)."""
    try:
        from channels_app.realtime.connections import live_count
    except ImportError:
        return None
    return live_count()


WEB_CHAT = "webchat"  # WebSocket-door turns (the /ops/chat/ web chat and other WebSocket clients)


def messages_per_platform() -> dict[str, dict[str, int]]:
    """Inbound and outbound counts per platform, with failures, over all time; WebSocket turns as `webchat`."""
    from agents_app.models import AgentRun

    table: dict[str, dict[str, int]] = {}

    def entry(platform: str) -> dict[str, int]:
        return table.setdefault(platform, {"inbound": 0, "inbound_failed": 0, "outbound": 0, "outbound_failed": 0})

    inbound = InboundEvent.objects.values("instance__platform").annotate(
        total=Count("id"), failed=Count("id", filter=Q(status=InboundEvent.Status.FAILED))
    )
    for row in inbound:
        entry(row["instance__platform"]).update(inbound=row["total"], inbound_failed=row["failed"])
    outbound = OutboundMessage.objects.values("instance__platform").annotate(
        total=Count("id"), failed=Count("id", filter=Q(status=OutboundMessage.Status.FAILED))
    )
    for row in outbound:
        entry(row["instance__platform"]).update(outbound=row["total"], outbound_failed=row["failed"])
    web = AgentRun.objects.filter(context__source="websocket", parent__isnull=True)  # sub-agent runs are not turns
    counts = web.aggregate(total=Count("id"), failed=Count("id", filter=Q(status=AgentRun.Status.ERROR)))
    if counts["total"]:
        entry(WEB_CHAT).update(
            inbound=counts["total"], inbound_failed=counts["failed"], outbound=counts["total"] - counts["failed"]
        )
    return table


def instance_health() -> list[dict[str, Any]]:
    """Each instance's state from the one source (channels_app.health), as the dashboard shows it."""
    from channels_app.health import instance_states

    return [
        {**state.as_dict(), "healthy": state.ok, "failed_deliveries": state.failed_deliveries}
        for state in instance_states()
    ]


def recent_errors() -> list[dict[str, Any]]:
    """The latest failures — inbound processing, outbound delivery and agent runs — newest first, each with the trace
    of its turn."""
    from agents_app.models import AgentRun
    from routing.traces.build import trace_id_for_run

    found: list[dict[str, Any]] = []
    failed_events = InboundEvent.objects.filter(status=InboundEvent.Status.FAILED).select_related("instance")
    for event in failed_events[:RECENT_ERRORS]:
        found.append(
            {
                "kind": "inbound",
                "instance": event.instance.name,
                "error": event.error,
                "at": event.finished_at or event.received_at,
                "trace": f"event-{event.pk}",
            }
        )
    failed_out = OutboundMessage.objects.filter(status=OutboundMessage.Status.FAILED).select_related("instance")
    for message in failed_out[:RECENT_ERRORS]:
        found.append(
            {
                "kind": "outbound",
                "instance": message.instance.name,
                "error": message.error,
                "at": message.created_at,
                "trace": f"event-{message.inbound_id}" if message.inbound_id else "",
            }
        )
    for run in AgentRun.objects.filter(status=AgentRun.Status.ERROR)[:RECENT_ERRORS]:
        context = run.context or {}
        found.append(
            {
                "kind": "agent",
                "instance": str(context.get("instance") or context.get("source") or run.agent_name),
                "error": run.error,
                "at": run.created_at,
                "trace": trace_id_for_run(run),
            }
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
    try:
        data["runtime"] = gateway_status_snapshot()
    except Exception as exc:  # noqa: BLE001 - the dashboard must render even when the runtime probe fails
        data["runtime"] = {"error": str(exc)}
    return data
