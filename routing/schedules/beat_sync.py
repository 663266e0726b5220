"""Mirror each Schedule into one django-celery-beat PeriodicTask, row by row (never wipe and recreate)."""

from __future__ import annotations

import json

from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask

from routing.models import Schedule
from routing.schedules.expressions import AtExpression, CronExpression, EveryExpression, parse_expression

FIRE_TASK = "routing.tasks.fire_schedule"


def periodic_task_name(schedule: Schedule) -> str:
    """The PeriodicTask name for a schedule; keyed by primary key so a rename keeps its task."""
    return f"gateway-schedule-{schedule.pk}"


def schedule_sync_to_beat(schedule: Schedule) -> PeriodicTask:
    """Create or update the schedule's PeriodicTask so beat fires it with the right timing, zone and state."""
    expression = parse_expression(schedule.schedule, schedule.timezone)
    task = schedule.periodic_task or PeriodicTask.objects.filter(name=periodic_task_name(schedule)).first()
    if task is None:
        task = PeriodicTask(name=periodic_task_name(schedule))
    task.crontab = task.interval = task.clocked = None
    task.one_off = False
    if isinstance(expression, CronExpression):
        task.crontab, _ = CrontabSchedule.objects.get_or_create(**expression.fields(), timezone=schedule.timezone)
    elif isinstance(expression, EveryExpression):
        task.interval, _ = IntervalSchedule.objects.get_or_create(
            every=expression.seconds, period=IntervalSchedule.SECONDS
        )
    elif isinstance(expression, AtExpression):
        task.clocked, _ = ClockedSchedule.objects.get_or_create(clocked_time=expression.when)
        task.one_off = True
    task.name = periodic_task_name(schedule)
    task.task = FIRE_TASK
    task.args = json.dumps([schedule.pk])
    task.kwargs = "{}"
    task.enabled = schedule.enabled
    task.description = f"Gateway schedule {schedule.name}: {schedule.schedule} → {schedule.instance.name}"
    task.save()
    if schedule.periodic_task_id != task.pk:
        Schedule.objects.filter(pk=schedule.pk).update(periodic_task=task)
        schedule.periodic_task = task
    return task


def schedule_remove_from_beat(schedule: Schedule) -> None:
    """Delete the PeriodicTask of a deleted schedule."""
    PeriodicTask.objects.filter(name=periodic_task_name(schedule)).delete()
    if schedule.periodic_task_id:
        PeriodicTask.objects.filter(pk=schedule.periodic_task_id).delete()
