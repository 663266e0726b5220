"""In the distributed mode, beat re-queues accepted-but-unfinished work every minute."""

from __future__ import annotations

import json

import pytest
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from gatewaysite.celery import app


@pytest.mark.django_db(transaction=True)
def test_beat_installs_the_unfinished_work_sweep_as_a_periodic_task() -> None:
    DatabaseScheduler(app=app, lazy=False)
    task = PeriodicTask.objects.get(name="gateway-sweep-unfinished")
    assert task.task == "routing.sweep_unfinished"
    assert (task.interval.every, task.interval.period) == (60, "seconds")
    assert json.loads(task.kwargs) == {"older_than": 60.0}
    assert task.enabled
    app.loader.import_default_modules()  # what a worker does at start: autodiscover every app's tasks
    assert "routing.sweep_unfinished" in app.tasks
