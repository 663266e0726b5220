"""The bodies of /health, /info and /live in the shape PraisonAI's `praisonai gateway status|test` reads.

`/health` stays a liveness probe: `status: ok` whenever the process answers, whatever the database does (a database
outage must not get the process restarted). The details PraisonAI's CLI prints — uptime, agents, sessions, clients,
channels with their state, listeners, last inbound — are added when the database answers, and replaced by
`"database": "unavailable"` when it does not.
"""

from __future__ import annotations

import functools
import logging
import time
import tomllib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Max

from channels_app.realtime.frames import PROTOCOL_VERSION

log = logging.getLogger(__name__)

STARTED_AT = time.time()  # imported by routing.apps at start-up, so this is the process's start


def uptime() -> float:
    return round(time.time() - STARTED_AT, 1)


def _epoch(value: Any) -> float | None:
    return value.timestamp() if value else None


def channel_states() -> dict[str, dict[str, Any]]:
    """Each instance keyed by name: enabled/paused, how it receives (webhook or listener) and whether that works."""
    from channels_app.health import instance_states
    from channels_app.listeners.health import listener_health
    from channels_app.listeners.modes import receive_mode
    from channels_app.models import ChannelInstance

    listeners = {row["instance"]: row for row in listener_health()}
    truth = {state.name: state for state in instance_states()}
    rows = ChannelInstance.objects.annotate(last_inbound=Max("inbound_events__received_at")).order_by("name")
    channels: dict[str, dict[str, Any]] = {}
    for instance in rows:
        mode = receive_mode(instance)
        listener = listeners.get(instance.name)
        if not instance.enabled:
            state, ok, reason = "disabled", True, "disabled by the operator"
        elif getattr(instance, "paused", False):
            state, ok, reason = "paused", True, "paused: messages are stored, not answered"
        elif mode.listener and listener is None:
            state, ok, reason = "starting", False, "no listener has started yet"
        elif mode.listener:
            state, ok = listener["status"], bool(listener["healthy"])
            reason = listener["last_error"] if not ok and listener["last_error"] else mode.reason
        else:
            state, ok, reason = "webhook", not instance.last_error, instance.last_error or mode.reason
        # The one truth (channels_app.health) decides whether it is fine and why; the state name stays PraisonAI's
        # (webhook/running) while healthy, so its CLI keeps reading it.
        known = truth.get(instance.name)
        if known is not None:
            ok, reason = known.ok, known.reason or reason
            state = state if known.state == "healthy" and state in ("webhook", "running", "standby") else known.state
            instance.last_error = known.last_error
            instance.last_error_at = known.last_error_at
        channels[instance.name] = {
            "health": known.state if known is not None else state,
            "platform": instance.platform,
            "enabled": instance.enabled,
            "paused": bool(getattr(instance, "paused", False)),
            "running": instance.enabled and not getattr(instance, "paused", False) and state in ("running", "webhook"),
            "state": state,
            "ok": ok,
            "reason": reason,
            "mode": mode.mode,
            "mode_reason": mode.reason,
            "last_activity": _epoch(instance.last_inbound),
            "last_error": instance.last_error,
            "last_error_at": instance.last_error_at.isoformat() if instance.last_error_at else None,
            "supervision": {
                "state": state,
                "last_error": (listener or {}).get("last_error") or instance.last_error or None,
                "last_error_time": _epoch(instance.last_error_at),
                "manual_pause": bool(getattr(instance, "paused", False)),
            },
        }
    return channels


def _details() -> dict[str, Any]:
    from agents_app.models import Agent
    from channels_app.listeners.health import listener_health
    from channels_app.models import InboundEvent
    from channels_app.realtime.connections import live_count
    from routing.models import Session
    from routing.status.schedulers import scheduler_status

    last_inbound = InboundEvent.objects.aggregate(at=Max("received_at"))["at"]
    return {
        "agents": Agent.objects.filter(enabled=True).count(),
        "sessions": Session.objects.filter(closed_at__isnull=True).count(),
        "clients": live_count(),
        "channels": channel_states(),
        "listeners": listener_health(),
        "schedules": scheduler_status(),
        "last_inbound_at": _epoch(last_inbound),
    }


def health_body(*, detailed: bool = True) -> dict[str, Any]:
    """Liveness plus what an operator asks first; never raises.

    Not `detailed` (an anonymous caller from another machine): states and counts only, no error texts or process
    names — /health needs no credentials, so it must not hand out what a platform or a listener said went wrong.
    """
    body: dict[str, Any] = {"status": "ok", "uptime": uptime(), "mode": settings.GATEWAY_MODE}
    try:
        body.update(_details())
    except Exception as exc:  # the process is alive even when the database is not; say so, don't fail
        log.warning("/health details unavailable: %s", type(exc).__name__)
        body["database"] = "unavailable"
    if not detailed:
        _redact(body)
    return body


def _redact(body: dict[str, Any]) -> None:
    for channel in (body.get("channels") or {}).values():
        errors = {channel.get("last_error"), (channel.get("supervision") or {}).get("last_error")} - {None, ""}
        configuration = channel.get("state") in ("not configured", "disabled", "paused")
        if channel.get("reason") in errors and not configuration:  # an error text; what the setup lacks stays
            channel["reason"] = "failing: send the gateway token (or run gateway_status) for the error"
        channel["last_error"] = ""
        channel.get("supervision", {})["last_error"] = None
    body["listeners"] = [
        {key: row.get(key) for key in ("instance", "platform", "kind", "status", "healthy")}
        for row in body.get("listeners") or []
    ]
    if isinstance(body.get("schedules"), dict):
        body["schedules"].pop("schedulers", None)


def info_body(scopes: list[str]) -> dict[str, Any]:
    """What `praisonai gateway status` reads from /info: name, version, protocol, agents, and the caller's scopes."""
    from agents_app.models import Agent
    from channels_app.realtime.connections import live_count
    from routing.models import Session

    return {
        "name": "Agent messaging gateway",
        "version": gateway_version(),
        "protocol_version": PROTOCOL_VERSION,
        "mode": settings.GATEWAY_MODE,
        "agents": list(Agent.objects.filter(enabled=True).order_by("name").values_list("name", flat=True)),
        "sessions": Session.objects.filter(closed_at__isnull=True).count(),
        "clients": live_count(),
        "uptime": uptime(),
        "scopes": scopes,
    }


@functools.cache
def gateway_version() -> str:
    """The version in pyproject.toml (the project is run from its checkout, not installed as a package)."""
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"
