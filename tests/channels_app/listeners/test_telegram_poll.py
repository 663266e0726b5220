from __future__ import annotations

import threading

import pytest

from agents_app.models import Agent
from channels_app.listeners import supervisor
from channels_app.listeners.models import ListenerState
from channels_app.models import ChannelInstance, InboundEvent
from routing.models import RoutingRule
from tests.channels_app.listeners.conftest import wait_for
from tests.fakes.fake_telegram_poll import FakeTelegramPoll

pytestmark = pytest.mark.django_db(transaction=True)


def private_update(update_id: int, text: str = "hello there") -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id - 734120000,
            "date": 1767225600,
            "from": {"id": 111111111, "is_bot": False, "first_name": "Alice"},
            "chat": {"id": 111111111, "first_name": "Alice", "type": "private"},
            "text": text,
        },
    }


@pytest.fixture
def fake():
    with FakeTelegramPoll() as server:
        yield server


def make_instance(fake: FakeTelegramPoll) -> ChannelInstance:
    instance = ChannelInstance.objects.create(
        name="tg-poll",
        platform="telegram",
        credentials={"token": fake.token},
        options={"mode": "poll", "poll_timeout": 1},
        api_base_url=fake.url,
    )
    RoutingRule.objects.create(
        instance=instance, context="default", agent=Agent.objects.create(name="bot", model="echo")
    )
    return instance


def run_supervisor():
    stop = threading.Event()
    return stop, supervisor.start(stop)


def test_it_stores_each_update_once_and_confirms_with_the_next_offset(fast_listeners, fake):
    make_instance(fake)
    fake.push(private_update(734120001, "first"))
    fake.push(private_update(734120002, "second"))
    stop, sup = run_supervisor()
    try:
        wait_for(lambda: InboundEvent.objects.count() == 2, what="two stored updates")
        wait_for(lambda: 734120003 in fake.offsets, what="confirming offset")
        assert fake.offsets[0] is None  # a fresh bot starts without an offset
        assert sorted(e.dedupe_key for e in InboundEvent.objects.all()) == ["update:734120001", "update:734120002"]
        assert ListenerState.objects.get().cursor == {"offset": 734120003}
        assert fake.conflicts == 0
    finally:
        stop.set()
        sup.join(5)


def test_a_restart_resumes_from_the_saved_offset_and_answers_nothing_twice(fast_listeners, fake):
    fast_listeners.GATEWAY_DISPATCH = "embedded"
    make_instance(fake)
    fake.push(private_update(734120010, "before restart"))
    stop, sup = run_supervisor()
    wait_for(lambda: InboundEvent.objects.count() == 1, what="first update stored")
    wait_for(lambda: ListenerState.objects.get().cursor.get("offset") == 734120011, what="offset saved")
    stop.set()
    sup.join(5)

    fake.offsets.clear()
    fake.push(private_update(734120010, "before restart"))  # Telegram redelivers what was never confirmed
    fake.push(private_update(734120011, "after restart"))
    stop, sup = run_supervisor()
    try:
        wait_for(lambda: InboundEvent.objects.count() == 2, what="second update stored")
        assert fake.offsets[0] == 734120011  # resumed from the cursor, not from scratch
        assert InboundEvent.objects.filter(dedupe_key="update:734120010").count() == 1
        wait_for(lambda: not InboundEvent.objects.filter(status__in=["received", "processing"]).exists(), what="done")
    finally:
        stop.set()
        sup.join(5)
    sent = fake.wait_for_sent(2)
    assert [m["text"] for m in sent] == ["before restart", "after restart"]  # one reply each, none twice
    assert all(m["chat_id"] == 111111111 for m in sent)


def test_an_active_webhook_fails_the_listener_with_a_clear_error(fast_listeners, fake):
    fake.webhook_url = "https://gw.example.com/webhooks/tg-poll/"
    make_instance(fake)
    stop, sup = run_supervisor()
    try:
        wait_for(lambda: ListenerState.objects.filter(status="failed").exists(), what="failed listener")
        state = ListenerState.objects.get()
        assert "webhook is active" in state.last_error
        assert fake.token not in state.last_error  # the error names no secret
    finally:
        stop.set()
        sup.join(5)
