"""Telegram out of the box: a token-only bot long-polls; with a secret_token and a registered webhook it is pushed to;
the bot's username comes from getMe in both modes, and /health says which mode and why."""

from __future__ import annotations

import threading

import pytest

from agents_app.models import Agent
from channels_app.adapters import telegram_identity
from channels_app.listeners import supervisor
from channels_app.listeners.models import ListenerState
from channels_app.listeners.modes import receive_mode
from channels_app.models import ChannelInstance, InboundEvent
from routing.models import RoutingRule
from tests.channels_app.listeners.conftest import wait_for
from tests.channels_app.support import body_of, django_headers, telegram_headers
from tests.fakes.fake_telegram import FakeTelegram
from tests.fakes.fake_telegram_poll import FakeTelegramPoll

pytestmark = pytest.mark.django_db(transaction=True)

USER = {"id": 111111111, "is_bot": False, "first_name": "Alice"}


def private_update(update_id: int, text: str) -> dict:
    chat = {"id": 111111111, "first_name": "Alice", "type": "private"}
    return {"update_id": update_id, "message": {"message_id": update_id, "from": USER, "chat": chat, "text": text}}


def group_mention(update_id: int, text: str = "@acme_agent_bot what time is it") -> dict:
    chat = {"id": -1002000000001, "title": "Team", "type": "supergroup"}
    message = {
        "message_id": update_id,
        "from": USER,
        "chat": chat,
        "text": text,
        "entities": [{"offset": 0, "length": 15, "type": "mention"}],
    }
    return {"update_id": update_id, "message": message}


@pytest.fixture(autouse=True)
def nothing_learned():
    telegram_identity.forget_all()
    yield
    telegram_identity.forget_all()


def token_only(url: str, token: str, **credentials: str) -> ChannelInstance:
    """The seed's form: a token and routing, no mode, no bot_username (poll_timeout only keeps the test quick)."""
    instance = ChannelInstance.objects.create(
        name="telegram",
        platform="telegram",
        credentials={"token": token, **credentials},
        options={"poll_timeout": 1},
        api_base_url=url,
    )
    RoutingRule.objects.create(
        instance=instance, context="default", agent=Agent.objects.create(name="bot", model="echo")
    )
    return instance


def run_supervisor():
    stop = threading.Event()
    return stop, supervisor.start(stop)


def test_a_token_only_bot_long_polls_and_answers_a_private_message_and_a_group_mention(fast_listeners):
    fast_listeners.GATEWAY_DISPATCH = "embedded"
    with FakeTelegramPoll() as fake:
        instance = token_only(fake.url, fake.token)
        assert (receive_mode(instance).mode, receive_mode(instance).listener) == ("poll", "telegram_poll")
        fake.push(private_update(1001, "hello from a DM"))
        fake.push(group_mention(1002))
        stop, sup = run_supervisor()
        try:
            sent = fake.wait_for_sent(2)
            wait_for(lambda: not InboundEvent.objects.filter(status__in=["received", "processing"]).exists())
        finally:
            stop.set()
            sup.join(5)
    assert sorted(m["text"] for m in sent) == ["hello from a DM", "what time is it"]
    assert {m["chat_id"] for m in sent} == {111111111, -1002000000001}
    assert "no secret_token" in ListenerState.objects.get().cursor["mode_reason"]


def test_a_webhook_left_registered_without_a_secret_token_is_deleted_and_the_bot_polls(fast_listeners):
    with FakeTelegramPoll() as fake:
        fake.webhook_url = "https://old.example.com/hook"
        token_only(fake.url, fake.token)
        fake.push(private_update(2001, "still reaches us"))
        stop, sup = run_supervisor()
        try:
            wait_for(lambda: InboundEvent.objects.exists(), what="the update stored")
        finally:
            stop.set()
            sup.join(5)
        assert fake.webhook_url == ""
    assert "deleted it" in ListenerState.objects.get().cursor["mode_reason"]


def test_with_a_secret_token_and_a_registered_webhook_the_bot_stays_in_webhook_mode(fast_listeners):
    with FakeTelegramPoll() as fake:
        fake.webhook_url = "https://gw.example.com/webhooks/telegram/"
        instance = token_only(fake.url, fake.token, secret_token="s3cret")
        stop, sup = run_supervisor()
        try:
            wait_for(lambda: (ListenerState.objects.first() or ListenerState()).cursor.get("mode") == "webhook")
        finally:
            stop.set()
            sup.join(5)
        assert fake.offsets == []  # never polled
    mode = receive_mode(instance)
    assert mode.mode == "webhook" and "webhook is registered" in mode.reason


def test_a_group_mention_in_webhook_mode_is_answered_without_bot_username(fast_pipeline, client, idle):
    with FakeTelegram() as fake:
        instance = ChannelInstance.objects.create(
            name="tg-hook",
            platform="telegram",
            credentials={"token": fake.token, "secret_token": "hook-secret"},
            options={"mode": "webhook"},
            api_base_url=fake.url,
        )
        RoutingRule.objects.create(
            instance=instance, context="default", agent=Agent.objects.create(name="bot", model="echo")
        )
        body = body_of(group_mention(3001, "@acme_agent_bot are you there"))
        headers = django_headers(telegram_headers("hook-secret"))
        response = client.post("/webhooks/tg-hook/", body, content_type="application/json", **headers)
        assert response.status_code == 200
        idle()
        [reply] = fake.messages()
        assert reply.json["text"] == "are you there" and reply.json["chat_id"] == -1002000000001
        assert fake.get_me_calls == 1


def test_health_names_the_mode_and_why(client):
    ChannelInstance.objects.create(name="tg", platform="telegram", credentials={"token": "1:x"})
    ChannelInstance.objects.create(
        name="tg-hook", platform="telegram", credentials={"token": "2:x"}, options={"mode": "webhook"}
    )
    channels = client.get("/health").json()["channels"]
    assert channels["tg"]["mode"] == "poll" and "long polling" in channels["tg"]["mode_reason"]
    assert channels["tg-hook"]["mode"] == "webhook"
    assert "no secret_token: every delivery is refused (401)" in channels["tg-hook"]["mode_reason"]
