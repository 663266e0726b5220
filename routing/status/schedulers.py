"""Will schedules fire? Every scheduler leaves a heartbeat in the database, so any process can answer for the whole.

The embedded scheduler (inside `rungateway`) writes a `SchedulerHeartbeat` row as it ticks; celery beat shows itself
through the sweep task it sends every minute (django-celery-beat stamps `last_run_at`). A bare `daphne` fires
nothing, and without this check a deployment missing its scheduler would only be noticed when a schedule stayed quiet.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)

BEAT_TASK = "gateway-sweep-unfinished"  # the sweep gatewaysite/settings.py asks beat to send every 60 s
STALE_AFTER = timedelta(minutes=3)
BEAT_EVERY = 30.0  # seconds between heartbeat writes of one embedded scheduler

HOLDER = f"{socket.gethostname()[:150]}:{os.getpid()}"
_last_beat = 0.0


def beat(kind: str = "embedded", *, force: bool = False) -> None:
    """Record that this process fires schedules (at most every BEAT_EVERY seconds unless forced)."""
    from routing.models import SchedulerHeartbeat

    global _last_beat
    if not force and time.monotonic() - _last_beat < BEAT_EVERY:
        return
    _last_beat = time.monotonic()
    SchedulerHeartbeat.objects.update_or_create(holder=HOLDER, defaults={"kind": kind, "seen_at": timezone.now()})


def forget() -> None:
    """This process stops firing schedules (a clean stop): it no longer counts."""
    from routing.models import SchedulerHeartbeat

    global _last_beat
    _last_beat = 0.0
    SchedulerHeartbeat.objects.filter(holder=HOLDER).delete()


def _beat_seen() -> str | None:
    from django_celery_beat.models import PeriodicTask

    last = PeriodicTask.objects.filter(name=BEAT_TASK).values_list("last_run_at", flat=True).first()
    return last.isoformat() if last and last > timezone.now() - STALE_AFTER else None


def scheduler_status() -> dict[str, Any]:
    """`will_fire` and, when False, why and what to start; `enabled_schedules` says whether it matters now."""
    from routing.models import Schedule, SchedulerHeartbeat

    cutoff = timezone.now() - STALE_AFTER
    by = [
        f"{kind} {holder}"
        for kind, holder in SchedulerHeartbeat.objects.filter(seen_at__gt=cutoff).values_list("kind", "holder")
    ]
    beat_at = _beat_seen()
    if beat_at:
        by.append("celery beat")
    status: dict[str, Any] = {
        "will_fire": bool(by),
        "schedulers": by,
        "enabled_schedules": Schedule.objects.filter(enabled=True).count(),
    }
    if not by:
        status["reason"] = (
            "no celery beat has run in the last 3 minutes: schedules will never fire; "
            "start `celery -A gatewaysite beat -S django`"
            if settings.REDIS_URL
            else "no process fires schedules (a bare daphne does not): schedules will never fire; "
            "run `manage.py rungateway` (without --no-schedules) or celery beat"
        )
    return status
