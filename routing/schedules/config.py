"""Scheduling knobs: a Django setting when set, else an environment variable, else the default.

Read at use time so tests can shorten them with the `settings` fixture and subprocess tests with the environment.
"""

from __future__ import annotations

import os

from django.conf import settings


def _number(name: str, default: float) -> float:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return float(value)


def tick_seconds() -> float:
    """How often the embedded loop looks for due schedules."""
    return _number("GATEWAY_SCHEDULER_TICK", 1.0)


def late_seconds() -> float:
    """A due time older than this (beyond the interval, for every:) counts as missed under the 'skip' policy."""
    return _number("GATEWAY_SCHEDULE_LATE_SECONDS", 120.0)


def run_lease_seconds() -> float:
    """A run still 'running' after this long is taken as abandoned (its process died) and may be resumed."""
    return _number("GATEWAY_SCHEDULE_RUN_LEASE", 600.0)


def workers() -> int:
    """Concurrent schedule runs in the embedded loop."""
    return max(1, int(_number("GATEWAY_SCHEDULER_WORKERS", 4)))


def delivery_attempts() -> int:
    """Send attempts per chunk for transient delivery errors."""
    return max(1, int(_number("GATEWAY_SCHEDULE_DELIVERY_ATTEMPTS", 3)))


def retry_cap_seconds() -> float:
    """Longest wait between delivery attempts, whatever Retry-After says."""
    return _number("GATEWAY_SCHEDULE_RETRY_CAP", 30.0)
