"""Celery tasks of the distributed mode: the pipeline for one inbound event, and the sweeper.

acks_late + reject_on_worker_lost: a worker killed mid-run leaves the message unacknowledged, the broker
redelivers it, and the pipeline's idempotent steps finish the event exactly once.

Task names are explicit strings that predate this module's place (`routing.process_inbound`,
`routing.tasks.fire_schedule`, ...): queued messages and django-celery-beat rows name tasks by them, so they stay.
`gatewaysite/celery.py` autodiscovers this module.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import task_postrun, worker_ready

from gatewaysite.dbconn import keep_connections

logger = logging.getLogger(__name__)


@shared_task(name="routing.process_inbound", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def process_inbound(event_id: int) -> None:
    from routing.pipeline.worker import process_event

    process_event(event_id)


@shared_task(name="routing.sweep_unfinished", ignore_result=True)
def sweep_unfinished(older_than: float = 60.0) -> int:
    """Resubmit events stored but not finished for `older_than` seconds (lost task messages, broker outages)."""
    from routing.pipeline.worker import resume_unfinished

    return resume_unfinished(older_than=older_than)


@task_postrun.connect
def _keep_connections_after_task(**_: object) -> None:
    """Keep this worker thread's database connection for its next task unless it broke or outlived CONN_MAX_AGE
    (settings.CELERY_DB_REUSE_MAX says why Celery's own closing is turned down)."""
    keep_connections()


@worker_ready.connect
def _resume_on_worker_start(**_: object) -> None:
    """A worker that starts picks up whatever was accepted but not finished (first start after a crash)."""
    try:
        sweep_unfinished.apply_async(kwargs={"older_than": 0.0})
    except Exception:
        logger.exception("could not queue the start-up sweep")


@shared_task(name="routing.tasks.fire_schedule", acks_late=True, ignore_result=True)
def fire_schedule(schedule_id: int) -> str:
    """Beat calls this at each due time of a schedule; the service decides if it fires (never twice per due time)."""
    from routing.schedules.firing import schedule_fire_due

    return schedule_fire_due(int(schedule_id)).action


@shared_task(name="routing.tasks.execute_schedule_run", acks_late=True, ignore_result=True)
def execute_schedule_run(run_id: int) -> str:
    """Execute a recorded run ("run now" from the admin); a finished run is left as it is."""
    from routing.models import ScheduleRun
    from routing.schedules.firing import schedule_run_execute

    run = ScheduleRun.objects.filter(pk=run_id, status=ScheduleRun.Status.RUNNING).first()
    return schedule_run_execute(run).status if run else "already finished"
