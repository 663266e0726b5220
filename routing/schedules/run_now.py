""" "Run now": record an extra run due at this moment and execute it off the request.

The web request only creates the run; the agent call and the delivery happen on a Celery worker (distributed) or a
background thread (embedded), so the admin answers at once and the run shows up in the schedule's run list.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.utils import timezone

from routing.models import Schedule, ScheduleRun
from routing.schedules.firing import schedule_run_execute


def _execute_in_thread(run_id: int) -> None:
    close_old_connections()
    try:
        schedule_run_execute(ScheduleRun.objects.get(pk=run_id))
    finally:
        connections.close_all()  # this thread's own connections; a pooled thread would keep them open


def schedule_run_now_enqueue(schedule: Schedule) -> ScheduleRun:
    """Create the run and hand it to a worker; returns the (running) run."""
    run = ScheduleRun.objects.create(schedule=schedule, due_at=timezone.now())
    if getattr(settings, "REDIS_URL", ""):
        from routing.pipeline.tasks import execute_schedule_run

        transaction.on_commit(lambda: execute_schedule_run.delay(run.pk))
    else:
        transaction.on_commit(
            lambda: threading.Thread(
                target=_execute_in_thread, args=(run.pk,), name="schedule-run-now", daemon=True
            ).start()
        )
    return run
