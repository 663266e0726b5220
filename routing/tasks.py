"""Celery tasks of the routing app (distributed mode). Each is a thin edge over a service function."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="routing.tasks.fire_schedule", acks_late=True, ignore_result=True)
def fire_schedule(schedule_id: int) -> str:
    """Beat calls this at each due time of a schedule; the service decides if it fires (never twice per due time)."""
    from routing.scheduling.firing import schedule_fire_due

    return schedule_fire_due(int(schedule_id)).action
