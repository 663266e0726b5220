"""Fire a schedule: claim its due time, run its agent in the schedule's own session, deliver, record the run.

The claim is the INSERT of ScheduleRun(schedule, due_at): the unique constraint lets exactly one process win,
whether the caller is celery beat, the embedded loop, or two of either. Missed-run policy, stated once:
- a due time counts as *missed* when it passed while nothing was firing: before the embedded loop started, or
  (under beat) later than GATEWAY_SCHEDULE_LATE_SECONDS (+ the interval, for every:) when the task runs;
- `skip` ignores missed due times; `run_once` fires the most recent one once (older ones are never replayed);
- due times before the schedule existed never fire.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from asgiref.sync import async_to_sync
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents_app.runtime import AgentError
from routing.models import Schedule, ScheduleRun, Session
from routing.pipeline import turns
from routing.pipeline.delivery import DeliveryFailed, deliver_text
from routing.pipeline.sessions import SessionSpec
from routing.schedules import config
from routing.schedules.due import latest_due
from routing.schedules.expressions import AtExpression, EveryExpression, ScheduleExpressionError, parse_expression

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FireOutcome:
    """What one attempt to fire a schedule did: `fired`, `duplicate`, `skipped`, `not_due` or `invalid`."""

    action: str
    due_at: datetime | None = None
    run: ScheduleRun | None = None
    reason: str = ""


def _is_missed(expression: object, due_at: datetime, now: datetime, missed_before: datetime | None) -> bool:
    if missed_before is not None:
        return due_at < missed_before
    slack = timedelta(seconds=config.late_seconds())
    if isinstance(expression, EveryExpression):
        slack += timedelta(seconds=expression.seconds)  # beat fires intervals at its own phase, up to one late
    return now - due_at > slack


def schedule_fire_due(
    schedule_id: int, *, now: datetime | None = None, missed_before: datetime | None = None
) -> FireOutcome:
    """Fire the schedule's most recent due time unless it already fired or the policy skips it.

    The body of the `routing.tasks.fire_schedule` beat task and of the embedded loop's tick.
    """
    now = now or timezone.now()
    schedule = Schedule.objects.select_related("agent", "instance").filter(pk=schedule_id).first()
    if schedule is None:
        return FireOutcome("invalid", reason=f"schedule {schedule_id} does not exist")
    if not schedule.enabled:
        return FireOutcome("not_due", reason="schedule is disabled")
    schedule_runs_resume(schedule_id=schedule.pk)  # a worker killed mid-run left one behind: finish it first
    try:
        expression = parse_expression(schedule.schedule, schedule.timezone)
        due_at = latest_due(expression, schedule.timezone, now)
    except ScheduleExpressionError as exc:
        log.warning("schedule %s has an unusable expression: %s", schedule.name, exc)
        return FireOutcome("invalid", reason=str(exc))
    if due_at is None or due_at < schedule.created_at.replace(microsecond=0):
        return FireOutcome("not_due", due_at=due_at, reason="no due time since the schedule was created")
    if ScheduleRun.objects.filter(schedule=schedule, due_at=due_at).exists():
        return FireOutcome("duplicate", due_at=due_at, reason="this due time already fired")
    if schedule.missed_run_policy == Schedule.MissedRunPolicy.SKIP and _is_missed(
        expression, due_at, now, missed_before
    ):
        return FireOutcome("skipped", due_at=due_at, reason="missed while the gateway was down (policy: skip)")
    run = _claim(schedule, due_at)
    if run is None:
        return FireOutcome("duplicate", due_at=due_at, reason="another process fired this due time")
    if isinstance(expression, AtExpression):
        schedule.enabled = False  # a one-shot schedule disables itself (the beat task follows on save)
        schedule.save()
    log.info("schedule %s fired for %s", schedule.name, due_at.isoformat(), extra={"schedule": schedule.name})
    return FireOutcome("fired", due_at=due_at, run=schedule_run_execute(run))


def _claim(schedule: Schedule, due_at: datetime) -> ScheduleRun | None:
    try:
        with transaction.atomic():
            return ScheduleRun.objects.create(schedule=schedule, due_at=due_at)
    except IntegrityError:
        return None


def schedule_run_now(schedule: Schedule) -> ScheduleRun:
    """The admin's "run now": an extra run due at this moment, recorded like any other."""
    run = ScheduleRun.objects.create(schedule=schedule, due_at=timezone.now())
    return schedule_run_execute(run)


def schedule_run_execute(run: ScheduleRun) -> ScheduleRun:
    """Run the agent (unless a resumed run already has its reply) and deliver; the run records the outcome."""
    schedule = Schedule.objects.select_related("agent", "instance").get(pk=run.schedule_id)
    try:
        if not schedule.agent.enabled:
            raise AgentError(f"agent '{schedule.agent.name}' is disabled")
        if not run.reply:
            # The schedule's own conversation, never shared with a chat on the same channel.
            spec = SessionSpec(
                key=f"schedule:{schedule.pk}",
                kind=Session.Kind.SCHEDULE,
                instance=schedule.instance,
                chat_id=schedule.channel_id,
                thread_id=schedule.thread_id,
            )
            outcome = async_to_sync(turns.run)(
                "schedule",
                schedule.agent,
                schedule.message,
                spec,
                context={"schedule": schedule.name, "schedule_run": run.pk},
                record_errors=False,
                reply_meta={"schedule_run": run.pk},
            )
            run.reply = outcome.reply.text
            ScheduleRun.objects.filter(pk=run.pk).update(reply=run.reply)
        deliver_text(schedule.instance, schedule.channel_id, schedule.thread_id, run.reply, f"schedule-run:{run.pk}")
    except (AgentError, DeliveryFailed) as exc:
        return _finish(run, ScheduleRun.Status.FAILED, error=str(exc))
    except Exception as exc:  # the run must end recorded whatever broke; the traceback goes to the log
        log.exception("schedule %s run %s failed", schedule.name, run.pk)
        return _finish(run, ScheduleRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
    return _finish(run, ScheduleRun.Status.SENT)


def _finish(run: ScheduleRun, status: str, error: str = "") -> ScheduleRun:
    run.status = status
    run.error = error[:4000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at", "reply"])
    if error:
        log.warning("schedule run %s failed: %s", run.pk, error)
    return run


def schedule_runs_resume(*, started_before: datetime | None = None, schedule_id: int | None = None) -> int:
    """Finish runs left 'running' by a process that died (started before `started_before`, or older than the lease).

    Each is taken over by a compare-and-set on started_at, so two resuming processes never both run it; delivery
    keys keep already-sent chunks from going out twice.
    """
    cutoff = started_before or timezone.now() - timedelta(seconds=config.run_lease_seconds())
    resumed = 0
    stale = ScheduleRun.objects.filter(status=ScheduleRun.Status.RUNNING, started_at__lt=cutoff)
    if schedule_id is not None:
        stale = stale.filter(schedule_id=schedule_id)
    for run in stale:
        taken = ScheduleRun.objects.filter(
            pk=run.pk, status=ScheduleRun.Status.RUNNING, started_at=run.started_at
        ).update(started_at=timezone.now())
        if taken:
            run.refresh_from_db()
            schedule_run_execute(run)
            resumed += 1
    return resumed
