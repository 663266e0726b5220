"""Scheduling knobs, read from settings (gatewaysite/settings.py reads the environment once) at use time so tests
can shorten them with the `settings` fixture."""

from __future__ import annotations

from django.conf import settings


def _number(name: str) -> float:
    return float(getattr(settings, name))


def tick_seconds() -> float:
    """How often the embedded loop looks for due schedules."""
    return _number("GATEWAY_SCHEDULER_TICK")


def late_seconds() -> float:
    """A due time older than this (beyond the interval, for every:) counts as missed under the 'skip' policy."""
    return _number("GATEWAY_SCHEDULE_LATE_SECONDS")


def run_lease_seconds() -> float:
    """A run still 'running' after this long is taken as abandoned (its process died) and may be resumed."""
    return _number("GATEWAY_SCHEDULE_RUN_LEASE")


def workers() -> int:
    """Concurrent schedule runs in the embedded loop."""
    return max(1, int(_number("GATEWAY_SCHEDULER_WORKERS")))
