"""The embedded scheduler: celery beat's job inside `rungateway`, reading the same tables.

A schedule is fired while it is enabled and its django-celery-beat PeriodicTask (when it has one) is enabled too, so
switching a task off in the beat admin stops it in both modes. Firing goes through `schedule_fire_due`, the same
service the beat task runs, so the no-double-fire rule holds even next to a real beat or a second gateway.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime

from django.db import close_old_connections, connections
from django.db.models import Q
from django.utils import timezone

from routing.models import Schedule
from routing.schedules import config
from routing.schedules.due import latest_due
from routing.schedules.expressions import ScheduleExpressionError, parse_expression
from routing.schedules.firing import schedule_fire_due, schedule_runs_resume
from routing.status import schedulers

log = logging.getLogger(__name__)


def _in_thread(function, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202 - a thin thread wrapper
    """Run ORM work in a pool thread with fresh connections (Django connections are per thread)."""
    close_old_connections()
    try:
        return function(*args, **kwargs)
    finally:
        connections.close_all()  # this thread's own connections; a pooled thread would keep them open


class EmbeddedScheduler:
    """Looks for due schedules every tick and fires them on a small thread pool; `stop()` waits for runs in flight."""

    def __init__(self) -> None:
        self.started_at: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_workers=config.workers(), thread_name_prefix="schedule")
        self._in_flight: dict[int, Future] = {}
        self._seen: dict[int, datetime] = {}

    def start(self) -> None:
        """Resume runs a previous process left unfinished, then start ticking in a daemon thread."""
        self.started_at = timezone.now()
        self._pool.submit(_in_thread, schedule_runs_resume, started_before=self.started_at)
        self._thread = threading.Thread(target=self._run, name="embedded-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop ticking and wait up to `timeout` for runs in flight; True when all finished.

        A run cut off here stays 'running' and is finished by the next start (its delivery keys prevent resends).
        """
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
        pending = [future for future in self._in_flight.values() if not future.done()]
        done, not_done = wait(pending, timeout=timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)
        return not not_done

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
                schedulers.beat("embedded")  # /health and gateway_status: schedules do fire here
            except Exception:  # a bad tick (database briefly away) must not end the loop
                log.exception("embedded scheduler tick failed")
            finally:
                close_old_connections()
            self._stop.wait(config.tick_seconds())
        try:
            schedulers.forget()
        except Exception:  # the heartbeat goes stale on its own
            log.debug("could not remove the scheduler heartbeat", exc_info=True)
        connections.close_all()

    def tick(self, now: datetime | None = None) -> list[int]:
        """Submit every schedule with a due time not seen yet; returns the ids submitted."""
        now = now or timezone.now()
        submitted = []
        schedules = Schedule.objects.filter(enabled=True).filter(
            Q(periodic_task__isnull=True) | Q(periodic_task__enabled=True)
        )
        for schedule in schedules.only("pk", "schedule", "timezone", "name"):
            try:
                due_at = latest_due(parse_expression(schedule.schedule, schedule.timezone), schedule.timezone, now)
            except ScheduleExpressionError:
                continue  # reported when the schedule is saved; nothing to fire
            if due_at is None or self._seen.get(schedule.pk) == due_at:
                continue
            running = self._in_flight.get(schedule.pk)
            if running is not None and not running.done():
                continue  # the previous run of this schedule is still going; look again next tick
            self._seen[schedule.pk] = due_at
            self._in_flight[schedule.pk] = self._pool.submit(
                _in_thread, schedule_fire_due, schedule.pk, now=now, missed_before=self.started_at
            )
            submitted.append(schedule.pk)
        return submitted
