"""The status snapshot behind `manage.py gateway_status`: mode, processes, clients, sessions, instances, queues."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from channels_app.models import ChannelInstance, InboundEvent, OutboundMessage
from routing.models import Schedule, ScheduleRun, Session
from routing.schedules.due import next_due
from routing.schedules.expressions import ScheduleExpressionError, parse_expression
from routing.status.probes import readiness
from routing.status.queues import broker_depth, inbound_backlog
from routing.status.schedulers import scheduler_status

RECENT = timedelta(hours=1)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _guarded(section: Any) -> Any:
    """Run one section; a part that fails (a table not migrated, the broker away) reports its error, not a crash."""
    try:
        return section()
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


def _processes() -> dict[str, Any]:
    from channels_app.realtime.connections import server_ttl
    from channels_app.realtime.models import ServerProcess

    alive = ServerProcess.objects.filter(heartbeat_at__gt=timezone.now() - server_ttl())
    servers = [
        {"server_id": p.server_id[:12], "host": p.hostname, "pid": p.pid, "heartbeat_at": _iso(p.heartbeat_at)}
        for p in alive.order_by("hostname", "pid")
    ]
    result: dict[str, Any] = {"web_servers": servers}
    result["listener_holders"] = _guarded(_listener_holders)
    if settings.REDIS_URL:
        result["celery_workers"] = _guarded(_celery_workers)
    return result


def _listener_holders() -> list[str]:
    from channels_app.listeners.models import ListenerState

    return sorted(set(ListenerState.objects.exclude(holder="").values_list("holder", flat=True)))


def _celery_workers() -> list[str]:
    from gatewaysite.celery import app

    replies = app.control.inspect(timeout=1.0).ping() or {}
    return sorted(replies)


def _websocket() -> dict[str, Any]:
    from channels_app.realtime.connections import live_count

    return {"connected_clients": live_count()}


def _sessions() -> dict[str, Any]:
    open_sessions = Session.objects.filter(closed_at__isnull=True)
    by_kind = dict(open_sessions.values_list("kind").annotate(n=Count("pk")).order_by())
    return {"open": sum(by_kind.values()), "by_kind": by_kind}


def _listener_states() -> dict[int, dict[str, Any]]:
    from channels_app.listeners.models import ListenerState

    return {
        state.instance_id: {
            "kind": state.kind,
            "status": state.status,
            "holder": state.holder,
            "last_seen_at": _iso(state.last_seen_at),
            "last_error": state.last_error,
        }
        for state in ListenerState.objects.all()
    }


def _receive_mode(instance: ChannelInstance) -> dict[str, str]:
    """How the instance receives (webhook, poll, socket…) and why: Telegram's mode is decided from its settings."""
    from channels_app.listeners.modes import receive_mode

    mode = receive_mode(instance)
    return {"mode": mode.mode, "mode_reason": mode.reason}


def _instances() -> list[dict[str, Any]]:
    since = timezone.now() - RECENT
    listeners = _guarded(_listener_states)
    listeners = listeners if isinstance(listeners, dict) and "error" not in listeners else {}
    rows = ChannelInstance.objects.annotate(
        sent_recent=Count(
            "outbound_messages", filter=Q(outbound_messages__status="sent", outbound_messages__created_at__gte=since)
        ),
        failed_recent=Count(
            "outbound_messages", filter=Q(outbound_messages__status="failed", outbound_messages__created_at__gte=since)
        ),
        last_sent_at=Max("outbound_messages__sent_at"),
    )
    from channels_app.health import instance_states

    truth = {state.name: state for state in instance_states()}
    result = []
    for instance in rows:
        known = truth.get(instance.name)
        result.append(
            {
                "name": instance.name,
                "state": known.state if known else "",
                "ok": known.ok if known else None,
                "reason": known.reason if known else "",
                "platform": instance.platform,
                "enabled": instance.enabled,
                "paused": instance.paused,
                **_receive_mode(instance),
                "listener": listeners.get(instance.pk),
                "delivery": {
                    "sent_last_hour": instance.sent_recent,
                    "failed_last_hour": instance.failed_recent,
                    "last_sent_at": _iso(instance.last_sent_at),
                },
                "last_error": known.last_error if known else instance.last_error,
                "last_error_at": _iso(known.last_error_at if known else instance.last_error_at),
            }
        )
    return result


def _schedules() -> list[dict[str, Any]]:
    now = timezone.now()
    result = []
    for schedule in Schedule.objects.select_related("instance"):
        last = schedule.runs.order_by("-started_at").first()
        try:
            upcoming = next_due(parse_expression(schedule.schedule, schedule.timezone), schedule.timezone, now)
        except ScheduleExpressionError:
            upcoming = None
        result.append(
            {
                "name": schedule.name,
                "schedule": schedule.schedule,
                "enabled": schedule.enabled,
                "next_due_at": _iso(upcoming) if schedule.enabled else None,
                "last_run": {"due_at": _iso(last.due_at), "status": last.status, "error": last.error} if last else None,
            }
        )
    return result


def _queues() -> dict[str, Any]:
    return {"inbound_backlog": inbound_backlog(), "broker": _guarded(broker_depth)}


def _last_errors(limit: int = 10) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    for event in InboundEvent.objects.filter(status=InboundEvent.Status.FAILED).select_related("instance")[:limit]:
        errors.append(
            {
                "at": _iso(event.finished_at or event.received_at),
                "where": f"inbound {event.instance.name}",
                "error": event.error,
            }
        )
    for message in OutboundMessage.objects.filter(status=OutboundMessage.Status.FAILED).select_related("instance")[
        :limit
    ]:
        errors.append(
            {"at": _iso(message.created_at), "where": f"delivery {message.instance.name}", "error": message.error}
        )
    for run in ScheduleRun.objects.filter(status=ScheduleRun.Status.FAILED).select_related("schedule")[:limit]:
        errors.append(
            {
                "at": _iso(run.finished_at or run.started_at),
                "where": f"schedule {run.schedule.name}",
                "error": run.error,
            }
        )
    errors.sort(key=lambda item: item["at"] or "", reverse=True)
    return errors[:limit]


def gateway_status_snapshot() -> dict[str, Any]:
    """Everything an operator asks first, as plain data (the command prints it, or dumps it as JSON)."""
    checks = readiness()
    return {
        "mode": settings.GATEWAY_MODE,
        "generated_at": _iso(timezone.now()),
        "ready": all(check.ok for check in checks),
        "checks": {check.name: check.as_dict() for check in checks},
        "processes": _guarded(_processes),
        "websocket": _guarded(_websocket),
        "sessions": _guarded(_sessions),
        "instances": _guarded(_instances),
        "schedules": _guarded(_schedules),
        "scheduler": _guarded(scheduler_status),
        "queues": _guarded(_queues),
        "last_errors": _guarded(_last_errors),
    }
