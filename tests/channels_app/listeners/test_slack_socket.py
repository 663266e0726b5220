"""Slack Socket Mode against a fake Slack on 127.0.0.1: envelopes acked at once, refresh handled, one reply each."""

from __future__ import annotations

import threading

import pytest

from agents_app.models import Agent
from channels_app.listeners import supervisor
from channels_app.listeners.models import ListenerState
from channels_app.models import ChannelInstance, InboundEvent
from routing.models import RoutingRule
from tests.channels_app.listeners.conftest import wait_for
from tests.fakes.fake_slack_socket import FakeSlackSocket

pytestmark = pytest.mark.django_db(transaction=True)


def im_event(event_id: str, ts: str, text: str) -> dict:
    return {
        "token": "legacy",
        "team_id": "T0ACME0001",
        "api_app_id": "A0GATEWAY01",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1767225600,
        "authorizations": [{"team_id": "T0ACME0001", "user_id": "U0GWBOT001", "is_bot": True}],
        "event": {
            "type": "message",
            "channel": "D0ALICE001",
            "channel_type": "im",
            "user": "U0ALICE001",
            "text": text,
            "ts": ts,
        },
    }


@pytest.fixture
def fake():
    with FakeSlackSocket() as server:
        yield server


@pytest.fixture
def instance(fast_listeners, fake) -> ChannelInstance:
    fast_listeners.GATEWAY_DISPATCH = "embedded"
    channel = ChannelInstance.objects.create(
        name="acme-slack",
        platform="slack",
        credentials={"token": fake.bot_token, "app_token": fake.app_token},
        api_base_url=fake.url,
    )
    RoutingRule.objects.create(
        instance=channel, context="default", agent=Agent.objects.create(name="ops", model="echo")
    )
    return channel


def start():
    stop = threading.Event()
    return stop, supervisor.start(stop, only=["acme-slack"])


def running() -> bool:
    return ListenerState.objects.filter(status="running").exists()


def test_each_envelope_is_acked_and_answered_once(instance, fake):
    stop, sup = start()
    try:
        wait_for(running, what="socket up")
        assert fake.open_auth == [f"Bearer {fake.app_token}"]
        envelope = fake.send_event(im_event("Ev001", "1767225600.000100", "hello over the socket"))
        assert fake.wait(lambda: envelope in fake.acks)
        assert fake.wait(lambda: len(fake.posted) == 1)
        assert fake.posted[0]["channel"] == "D0ALICE001"
        assert "hello over the socket" in fake.posted[0]["text"]
    finally:
        stop.set()
        sup.join(5)


def test_a_refresh_disconnect_opens_the_next_connection_first(instance, fake):
    stop, sup = start()
    try:
        wait_for(running, what="socket up")
        fake.disconnect("refresh_requested")
        assert fake.wait(lambda: fake.opens == 2)
        assert fake.wait(lambda: fake.live_connections == 1)
        fake.send_event(im_event("Ev002", "1767225600.000200", "after the refresh"))
        assert fake.wait(lambda: len(fake.posted) == 1)
        assert ListenerState.objects.get().restarts == 0  # a refresh is routine, not an error
    finally:
        stop.set()
        sup.join(5)


def test_an_envelope_redelivered_after_a_restart_is_answered_once(instance, fake):
    stop, sup = start()
    wait_for(running, what="socket up")
    fake.send_event(im_event("Ev003", "1767225600.000300", "only once please"))
    assert fake.wait(lambda: len(fake.posted) == 1)
    stop.set()
    sup.join(5)

    # Slack did not see the ack in time and retries the same event on the next connection.
    fake.unacked["env-retry"] = {
        "envelope_id": "env-retry",
        "type": "events_api",
        "payload": im_event("Ev003", "1767225600.000300", "only once please"),
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
    }
    stop, sup = start()
    try:
        assert fake.wait(lambda: "env-retry" in fake.acks)
        wait_for(lambda: not InboundEvent.objects.filter(status__in=["received", "processing"]).exists(), what="done")
    finally:
        stop.set()
        sup.join(5)
    assert InboundEvent.objects.count() == 1
    assert len(fake.posted) == 1


def test_a_revoked_app_token_fails_the_listener(instance, fake):
    ChannelInstance.objects.filter(pk=instance.pk).update(
        credentials={"token": fake.bot_token, "app_token": "xapp-bad"}
    )
    stop, sup = start()
    try:
        wait_for(lambda: ListenerState.objects.filter(status="failed").exists(), what="failed listener")
        assert "invalid_auth" in ListenerState.objects.get().last_error
    finally:
        stop.set()
        sup.join(5)
