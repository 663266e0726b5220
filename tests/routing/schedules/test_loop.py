"""The embedded scheduler loop: fires on time from the beat tables, and two loops never fire a due time twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agents_app.models import Agent
from channels_app.models import ChannelInstance
from routing.models import Schedule, ScheduleRun
from routing.schedules.loop import EmbeddedScheduler
from tests.e2e.platform_recorder import PlatformRecorder


@pytest.fixture
def recorder():
    fake = PlatformRecorder().start()
    yield fake
    fake.stop()


def _schedule(recorder: PlatformRecorder, expression: str) -> Schedule:
    agent = Agent.objects.create(name="pinger", model="echo")
    instance = ChannelInstance.objects.create(
        name="tg", platform="telegram", credentials={"token": "1:x"}, api_base_url=recorder.url
    )
    schedule = Schedule.objects.create(
        name="ping", schedule=expression, message="ping", agent=agent, instance=instance, channel_id="42"
    )
    Schedule.objects.filter(pk=schedule.pk).update(created_at=datetime(2026, 1, 1, tzinfo=UTC))
    return schedule


@pytest.mark.django_db(transaction=True)
def test_two_embedded_loops_fire_each_due_time_exactly_once(recorder, settings) -> None:
    settings.GATEWAY_SCHEDULER_TICK = 0.02
    _schedule(recorder, "every:1s")
    loops = [EmbeddedScheduler(), EmbeddedScheduler()]
    for loop in loops:
        loop.start()
    try:
        recorder.wait_for(2, timeout=10)
    finally:
        for loop in loops:
            assert loop.stop(timeout=10)
    runs = list(ScheduleRun.objects.values_list("due_at", flat=True))
    assert len(runs) >= 2
    assert len(runs) == len(set(runs)) == len(recorder.requests)
    assert all(due.microsecond == 0 for due in runs)


@pytest.mark.django_db(transaction=True)
def test_a_schedule_whose_beat_task_is_disabled_does_not_fire(recorder, settings) -> None:
    schedule = _schedule(recorder, "every:1s")
    schedule.periodic_task.enabled = False
    schedule.periodic_task.save()
    loop = EmbeddedScheduler()
    loop.started_at = datetime(2026, 1, 1, tzinfo=UTC)
    assert loop.tick() == []
    schedule.periodic_task.enabled = True
    schedule.periodic_task.save()
    assert loop.tick() == [schedule.pk]
    loop.stop(timeout=10)
