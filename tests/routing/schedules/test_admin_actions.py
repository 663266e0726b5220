"""The Schedule admin: "run now" records a run and delivers; runs are listed on the schedule's page."""

from __future__ import annotations

import time

import pytest

from agents_app.models import Agent
from channels_app.models import ChannelInstance
from routing.models import Schedule, ScheduleRun
from tests.e2e.platform_recorder import PlatformRecorder


@pytest.fixture
def recorder():
    fake = PlatformRecorder().start()
    yield fake
    fake.stop()


@pytest.fixture
def eager_celery():
    from gatewaysite.celery import app

    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = False


def _schedule(recorder: PlatformRecorder) -> Schedule:
    agent = Agent.objects.create(name="reporter", model="echo")
    instance = ChannelInstance.objects.create(
        name="ops", platform="slack", credentials={"token": "xoxb-1", "signing_secret": "s"}, api_base_url=recorder.url
    )
    return Schedule.objects.create(
        name="standup",
        schedule="cron:0 9 * * 1-5",
        message="Standup time",
        agent=agent,
        instance=instance,
        channel_id="C1",
    )


@pytest.mark.django_db(transaction=True)
def test_run_now_from_the_admin_delivers_and_shows_the_run(admin_client, recorder, settings) -> None:
    settings.REDIS_URL = ""  # embedded: the run executes on a background thread of the web process
    schedule = _schedule(recorder)

    response = admin_client.post(
        "/admin/routing/schedule/", {"action": "run_schedules_now", "_selected_action": [schedule.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "Started 1 run(s): standup" in response.content.decode()

    [sent] = recorder.wait_for(1)
    assert sent.path == "/chat.postMessage"
    assert sent.headers["Authorization"] == "Bearer xoxb-1"
    assert sent.body["channel"] == "C1" and sent.body["text"] == "Standup time"
    deadline = time.monotonic() + 10
    while ScheduleRun.objects.filter(status=ScheduleRun.Status.RUNNING).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ScheduleRun.objects.get().status == ScheduleRun.Status.SENT

    page = admin_client.get(f"/admin/routing/schedule/{schedule.pk}/change/").content.decode()
    assert "Standup time" in page and "sent" in page


@pytest.mark.django_db(transaction=True)
def test_run_now_in_the_distributed_mode_goes_to_a_celery_worker(
    admin_client, recorder, settings, eager_celery
) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # only selects the Celery path; eager mode runs the task here
    schedule = _schedule(recorder)
    admin_client.post("/admin/routing/schedule/", {"action": "run_schedules_now", "_selected_action": [schedule.pk]})
    assert recorder.sent_texts() == ["Standup time"]
    assert ScheduleRun.objects.get().status == ScheduleRun.Status.SENT
