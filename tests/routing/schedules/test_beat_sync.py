"""Saving a Schedule keeps its django-celery-beat PeriodicTask in step, row by row."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django_celery_beat.models import PeriodicTask

from agents_app.models import Agent
from channels_app.models import ChannelInstance
from routing.models import Schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedule() -> Schedule:
    agent = Agent.objects.create(name="support", model="echo")
    instance = ChannelInstance.objects.create(name="telegram", platform="telegram", credentials={"token": "t"})
    return Schedule.objects.create(
        name="morning",
        schedule="cron:0 9 * * 1-5",
        message="Good morning",
        agent=agent,
        instance=instance,
        channel_id="42",
        timezone="Europe/Paris",
    )


def test_a_cron_schedule_gets_a_crontab_task_in_its_time_zone(schedule: Schedule) -> None:
    task = PeriodicTask.objects.get(pk=schedule.periodic_task_id)
    assert task.task == "routing.tasks.fire_schedule"
    assert json.loads(task.args) == [schedule.pk]
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("0", "9", "1-5")
    assert str(crontab.timezone) == "Europe/Paris"
    assert task.enabled and task.interval is None and task.clocked is None


def test_switching_to_every_replaces_the_crontab_with_an_interval(schedule: Schedule) -> None:
    schedule.schedule = "every:30s"
    schedule.save()
    task = PeriodicTask.objects.get(pk=schedule.periodic_task_id)
    assert task.crontab is None
    assert (task.interval.every, task.interval.period) == (30, "seconds")
    assert PeriodicTask.objects.filter(task="routing.tasks.fire_schedule").count() == 1


def test_an_at_schedule_is_a_one_off_clocked_task(schedule: Schedule) -> None:
    schedule.schedule = "at:2027-03-01T08:30"
    schedule.save()
    task = PeriodicTask.objects.get(pk=schedule.periodic_task_id)
    assert task.one_off is True
    assert task.clocked.clocked_time.isoformat() == "2027-03-01T07:30:00+00:00"


def test_disabling_a_schedule_disables_its_task(schedule: Schedule) -> None:
    schedule.enabled = False
    schedule.save()
    assert PeriodicTask.objects.get(pk=schedule.periodic_task_id).enabled is False


def test_deleting_a_schedule_deletes_its_task(schedule: Schedule) -> None:
    task_id = schedule.periodic_task_id
    schedule.delete()
    assert not PeriodicTask.objects.filter(pk=task_id).exists()


def test_renaming_keeps_a_single_task(schedule: Schedule) -> None:
    schedule.name = "mornings"
    schedule.save()
    assert PeriodicTask.objects.filter(task="routing.tasks.fire_schedule").count() == 1


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron:0 9 * *", "cron needs 5 fields"),
        ("cron:61 * * * *", "bad cron minute field '61'"),
        ("every:soon", "bad duration 'soon'"),
        ("at:next tuesday", "bad at: time"),
        ("weekly", "use cron:<5 fields>, every:<duration> or at:<ISO time>"),
    ],
)
def test_an_unusable_expression_is_refused_with_a_readable_message(
    schedule: Schedule, expression: str, message: str
) -> None:
    schedule.schedule = expression
    with pytest.raises(ValidationError) as caught:
        schedule.full_clean()
    assert message in str(caught.value.message_dict["schedule"])
