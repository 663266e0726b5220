"""Firing schedules: delivery through the agent, one run per due time, missed-run policy, one-shots, resume."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from agents_app.models import Agent
from channels_app.models import ChannelInstance, OutboundMessage
from routing.models import Schedule, ScheduleRun, Session
from routing.schedules.firing import schedule_fire_due, schedule_run_now, schedule_runs_resume
from tests.e2e.platform_recorder import PlatformRecorder

LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def recorder():
    fake = PlatformRecorder().start()
    yield fake
    fake.stop()


@pytest.fixture
def make_schedule(recorder: PlatformRecorder, settings):
    settings.GATEWAY_RETRY_AFTER_CAP = 0.05
    settings.GATEWAY_RETRY_BASE = 0.01

    def make(expression: str = "every:60s", *, credentials: dict | None = None, **fields: object) -> Schedule:
        agent, _ = Agent.objects.get_or_create(name="reporter", defaults={"model": "echo"})
        instance, _ = ChannelInstance.objects.get_or_create(
            name="tg",
            defaults={
                "platform": "telegram",
                "credentials": {"token": "123:abc"} if credentials is None else credentials,
                "api_base_url": recorder.url,
            },
        )
        schedule = Schedule.objects.create(
            name=fields.pop("name", "daily-report"),
            schedule=expression,
            message=fields.pop("message", "Daily report please"),
            agent=agent,
            instance=instance,
            channel_id="-100200",
            **fields,
        )
        Schedule.objects.filter(pk=schedule.pk).update(created_at=LONG_AGO)
        schedule.refresh_from_db()
        return schedule

    return make


@pytest.mark.django_db(transaction=True)  # the runtime refreshes PostgreSQL connections between runs
def test_a_due_schedule_runs_its_agent_and_delivers_to_the_channel_and_thread(make_schedule, recorder) -> None:
    schedule = make_schedule("cron:0 9 * * *", thread_id="77")
    outcome = schedule_fire_due(schedule.pk, now=datetime(2026, 5, 1, 9, 0, 20, tzinfo=UTC))

    assert outcome.action == "fired"
    assert outcome.run.status == ScheduleRun.Status.SENT
    assert outcome.run.reply == "Daily report please"
    assert outcome.run.due_at == datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    [sent] = recorder.requests
    assert sent.path == "/bot123:abc/sendMessage"
    assert sent.body["chat_id"] == -100200
    assert sent.body["message_thread_id"] == 77
    assert sent.body["text"] == "Daily report please"
    session = Session.objects.get(kind=Session.Kind.SCHEDULE)
    assert [m.role for m in session.messages.all()] == ["user", "assistant"]


@pytest.mark.django_db(transaction=True)  # the runtime refreshes PostgreSQL connections between runs
def test_a_due_time_fires_once_however_often_it_is_asked(make_schedule, recorder) -> None:
    schedule = make_schedule("every:60s")
    now = datetime(2026, 5, 1, 9, 0, 30, tzinfo=UTC)
    actions = [schedule_fire_due(schedule.pk, now=now + timedelta(seconds=i)).action for i in range(3)]
    assert actions == ["fired", "duplicate", "duplicate"]
    assert ScheduleRun.objects.count() == 1
    assert len(recorder.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_two_processes_firing_the_same_due_time_at_once_send_one_message(make_schedule, recorder) -> None:
    schedule = make_schedule("every:60s")
    now = datetime(2026, 5, 1, 9, 0, 30, tzinfo=UTC)
    barrier = threading.Barrier(4)
    actions: list[str] = []

    def fire() -> None:
        barrier.wait()
        try:
            actions.append(schedule_fire_due(schedule.pk, now=now).action)
        finally:
            connection.close()

    threads = [threading.Thread(target=fire) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(actions) == ["duplicate", "duplicate", "duplicate", "fired"]
    assert ScheduleRun.objects.count() == 1
    assert len(recorder.requests) == 1


@pytest.mark.django_db(transaction=True)  # the runtime refreshes PostgreSQL connections between runs
def test_a_one_shot_schedule_fires_once_and_disables_itself(make_schedule, recorder) -> None:
    schedule = make_schedule("at:2026-05-01T11:00", timezone="Europe/Berlin")
    assert schedule_fire_due(schedule.pk, now=datetime(2026, 5, 1, 8, 59, tzinfo=UTC)).action == "not_due"
    assert schedule_fire_due(schedule.pk, now=datetime(2026, 5, 1, 9, 0, 5, tzinfo=UTC)).action == "fired"
    schedule.refresh_from_db()
    assert schedule.enabled is False
    assert schedule.periodic_task.enabled is False
    assert schedule_fire_due(schedule.pk, now=datetime(2026, 5, 1, 9, 1, tzinfo=UTC)).action == "not_due"
    assert len(recorder.requests) == 1


@pytest.mark.django_db(transaction=True)  # the runtime refreshes PostgreSQL connections between runs
def test_skip_policy_ignores_a_due_time_missed_while_the_gateway_was_down(make_schedule, recorder) -> None:
    schedule = make_schedule("cron:0 9 * * *", missed_run_policy=Schedule.MissedRunPolicy.SKIP)
    started = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    outcome = schedule_fire_due(schedule.pk, now=started, missed_before=started)
    assert outcome.action == "skipped"
    assert ScheduleRun.objects.count() == 0
    # Under beat (no start time known) a task running long after its due time counts as missed too.
    assert schedule_fire_due(schedule.pk, now=started).action == "skipped"
    assert recorder.requests == []


@pytest.mark.django_db(transaction=True)  # the runtime refreshes PostgreSQL connections between runs
def test_run_once_policy_fires_the_latest_missed_due_time_once_on_start(make_schedule, recorder) -> None:
    schedule = make_schedule("cron:0 * * * *", missed_run_policy=Schedule.MissedRunPolicy.RUN_ONCE)
    started = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)  # down since 08:00: four hourly runs were missed
    outcome = schedule_fire_due(schedule.pk, now=started, missed_before=started)
    assert outcome.action == "fired"
    assert outcome.due_at == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert schedule_fire_due(schedule.pk, now=started + timedelta(seconds=5), missed_before=started).action == (
        "duplicate"
    )
    assert len(recorder.requests) == 1


@pytest.mark.django_db(transaction=True)  # the runtime refreshes PostgreSQL connections between runs
def test_a_due_time_before_the_schedule_existed_never_fires(make_schedule) -> None:
    schedule = make_schedule("cron:0 9 * * *", missed_run_policy=Schedule.MissedRunPolicy.RUN_ONCE)
    Schedule.objects.filter(pk=schedule.pk).update(created_at=datetime(2026, 5, 1, 9, 10, tzinfo=UTC))
    assert schedule_fire_due(schedule.pk, now=datetime(2026, 5, 1, 9, 15, tzinfo=UTC)).action == "not_due"


@pytest.mark.django_db(transaction=True)  # the runtime refreshes PostgreSQL connections between runs
def test_a_rate_limited_send_is_retried_and_delivered_once(make_schedule, recorder) -> None:
    recorder.fail_next = 1
    schedule = make_schedule("every:60s")
    outcome = schedule_fire_due(schedule.pk, now=datetime(2026, 5, 1, 9, 0, 30, tzinfo=UTC))
    assert outcome.run.status == ScheduleRun.Status.SENT
    assert len(recorder.requests) == 1
    assert OutboundMessage.objects.get().attempts == 2


@pytest.mark.django_db(transaction=True)  # the runtime refreshes PostgreSQL connections between runs
def test_a_missing_credential_fails_the_run_and_is_recorded_on_the_instance(make_schedule, recorder) -> None:
    schedule = make_schedule("every:60s", credentials={})
    outcome = schedule_fire_due(schedule.pk, now=datetime(2026, 5, 1, 9, 0, 30, tzinfo=UTC))
    assert outcome.run.status == ScheduleRun.Status.FAILED
    assert "token" in outcome.run.error
    assert "token" in ChannelInstance.objects.get().last_error
    assert recorder.requests == []


@pytest.mark.django_db(transaction=True)  # the runtime refreshes PostgreSQL connections between runs
def test_a_disabled_agent_fails_the_run_with_a_reason(make_schedule) -> None:
    schedule = make_schedule("every:60s")
    Agent.objects.update(enabled=False)
    outcome = schedule_fire_due(schedule.pk, now=datetime(2026, 5, 1, 9, 0, 30, tzinfo=UTC))
    assert outcome.run.status == ScheduleRun.Status.FAILED
    assert "disabled" in outcome.run.error


@pytest.mark.django_db(transaction=True)  # the runtime refreshes PostgreSQL connections between runs
def test_run_now_records_an_extra_run_and_delivers(make_schedule, recorder) -> None:
    schedule = make_schedule("cron:0 9 * * *")
    run = schedule_run_now(schedule)
    assert run.status == ScheduleRun.Status.SENT
    assert recorder.sent_texts() == ["Daily report please"]


@pytest.mark.django_db(transaction=True)  # the runtime refreshes PostgreSQL connections between runs
def test_an_abandoned_run_is_resumed_without_resending_what_was_sent(make_schedule, recorder) -> None:
    schedule = make_schedule("every:60s")
    run = ScheduleRun.objects.create(schedule=schedule, due_at=datetime(2026, 5, 1, 9, tzinfo=UTC), reply="Done")
    ScheduleRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(hours=1))
    OutboundMessage.objects.create(
        instance=schedule.instance,
        idempotency_key=f"schedule-run:{run.pk}:0",
        chat_id="-100200",
        text="Done",
        status=OutboundMessage.Status.SENT,
    )
    assert schedule_runs_resume() == 1
    run.refresh_from_db()
    assert run.status == ScheduleRun.Status.SENT
    assert recorder.requests == []
    assert schedule_runs_resume() == 0


@pytest.mark.django_db(transaction=True)  # the runtime refreshes PostgreSQL connections between runs
def test_the_beat_task_fires_through_the_same_service(make_schedule, recorder) -> None:
    from routing.pipeline.tasks import execute_schedule_run, fire_schedule

    schedule = make_schedule("every:1s")
    assert fire_schedule.apply(args=[schedule.pk]).get() == "fired"
    run = ScheduleRun.objects.get()
    assert execute_schedule_run.apply(args=[run.pk]).get() == "already finished"
    assert len(recorder.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_a_schedule_to_a_generic_webhook_instance_posts_to_its_callback_once(make_schedule) -> None:
    from tests.fakes.fake_webhook_receiver import FakeWebhookReceiver

    with FakeWebhookReceiver() as receiver:
        instance = ChannelInstance.objects.create(
            name="crm",
            platform="webhook",
            credentials={"secret": "s3cret", "callback_url": receiver.url + "/hooks/replies"},
        )
        schedule = make_schedule(name="to-crm", message="Weekly digest")
        Schedule.objects.filter(pk=schedule.pk).update(instance=instance, channel_id="conv-1")
        schedule.refresh_from_db()
        run = schedule_run_now(schedule)
        assert run.status == ScheduleRun.Status.SENT, run.error
        [request] = receiver.received("/hooks/replies")
        body = request.json
        assert body["message"]["text"] == "Weekly digest" and body["conversation"] == {"external_id": "conv-1"}
        assert request.header("webhook-signature").startswith("v1,")
        assert OutboundMessage.objects.get(idempotency_key=f"schedule-run:{run.pk}:0").status == "sent"


@pytest.mark.django_db(transaction=True)
def test_a_schedule_to_a_webhook_instance_without_a_callback_url_fails_and_says_so(make_schedule) -> None:
    instance = ChannelInstance.objects.create(name="crm", platform="webhook", credentials={"secret": "s3cret"})
    schedule = make_schedule(name="to-nowhere")
    Schedule.objects.filter(pk=schedule.pk).update(instance=instance, channel_id="conv-1")
    schedule.refresh_from_db()
    run = schedule_run_now(schedule)
    assert run.status == ScheduleRun.Status.FAILED and "no callback_url" in run.error
    assert "no callback_url" in ChannelInstance.objects.get(pk=instance.pk).last_error
