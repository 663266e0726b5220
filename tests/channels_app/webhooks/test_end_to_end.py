"""A signed delivery through the real URL ends as exactly the reply request the platform documents, at the fake
platform server; duplicates, the Slack mention+message pair and 429s still give exactly one reply."""

from __future__ import annotations

import json
import threading

import pytest
from django.test import Client

from channels_app.models import ChannelInstance, InboundEvent, OutboundMessage
from routing.models import Session, SessionMessage
from tests.channels_app.support import (
    body_of,
    django_headers,
    fixture,
    generic_headers,
    meta_headers,
    slack_headers,
    telegram_headers,
)
from tests.fakes.fake_webhook_receiver import Answer

pytestmark = pytest.mark.usefixtures("fast_pipeline")


def post(client, name: str, body: bytes, headers: dict[str, str]):
    return client.post(f"/webhooks/{name}/", body, content_type="application/json", **django_headers(headers))


def test_a_slack_dm_is_answered_once_in_mrkdwn(client, make_instance, fake_slack, idle) -> None:
    instance = make_instance("slack", fake_slack.url)
    body = body_of(fixture("slack", "message__im"))
    response = post(client, instance.name, body, slack_headers(body))
    assert response.status_code == 200
    idle()
    [request] = fake_slack.posts()
    assert request.path == "/chat.postMessage"
    assert request.header("Authorization") == "Bearer xoxb-test-token"
    assert request.json == {
        "channel": "D0ALICEBOT1",
        "text": "Can you summarise the Q3 report (https://example.com/q3)? Budget is &lt;$5k &amp; due Friday.",
        "unfurl_links": False,
        "unfurl_media": False,
    }
    event = InboundEvent.objects.get()
    assert event.status == "done" and event.attempts == 1
    reply = OutboundMessage.objects.get()
    assert reply.status == "sent" and reply.attempts == 1 and reply.platform_message_id


def test_a_slack_thread_reply_is_answered_in_the_thread(client, make_instance, fake_slack, idle) -> None:
    instance = make_instance("slack", fake_slack.url)
    body = body_of(fixture("slack", "message__channel_thread_reply"))
    post(client, instance.name, body, slack_headers(body))
    idle()
    [request] = fake_slack.posts()
    assert request.json["thread_ts"] == "1767225000.000050"
    assert request.json["text"] == "and what about _Q4_?"


def test_slack_url_verification_answers_the_challenge(client, make_instance, fake_slack) -> None:
    instance = make_instance("slack", fake_slack.url)
    payload = fixture("slack", "url_verification__challenge")
    body = body_of(payload)
    response = post(client, instance.name, body, slack_headers(body))
    assert response.status_code == 200 and response.content.decode() == payload["challenge"]


def test_the_same_delivery_sent_five_times_concurrently_gets_one_reply(make_instance, fake_slack, idle) -> None:
    instance = make_instance("slack", fake_slack.url)
    body = body_of(fixture("slack", "message__im"))
    headers = slack_headers(body)
    statuses: list[int] = []
    barrier = threading.Barrier(5)

    def deliver() -> None:
        barrier.wait()
        statuses.append(post(Client(), instance.name, body, {**headers, "X-Slack-Retry-Num": "1"}).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    idle()
    assert statuses == [200] * 5
    assert len(fake_slack.posts()) == 1
    assert InboundEvent.objects.count() == 1


def test_slacks_mention_plus_message_pair_gets_one_reply(client, make_instance, fake_slack, idle) -> None:
    instance = make_instance("slack", fake_slack.url)
    mention = fixture("slack", "app_mention__channel")
    message = json.loads(json.dumps(mention))
    message["event_id"] = "Ev0MESSAGE05"
    message["event"].update(type="message", channel_type="channel")
    for payload in (mention, message):
        body = body_of(payload)
        assert post(client, instance.name, body, slack_headers(body)).status_code == 200
    idle()
    [request] = fake_slack.posts()
    assert request.json["thread_ts"] == "1767225800.000400"
    assert request.json["text"] == "what's the status of ticket #42?"


def test_a_reply_that_gets_429_then_succeeds_is_delivered_once(client, make_instance, fake_slack, idle) -> None:
    instance = make_instance("slack", fake_slack.url)
    fake_slack.script("/chat.postMessage", Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}))
    body = body_of(fixture("slack", "message__im"))
    post(client, instance.name, body, slack_headers(body))
    idle()
    assert [r.status for r in fake_slack.received("/chat.postMessage")] == [429, 200]
    assert len(fake_slack.posts()) == 1
    assert OutboundMessage.objects.get().attempts == 2


def test_a_permanent_slack_error_is_recorded_on_the_instance(client, make_instance, fake_slack, idle) -> None:
    instance = make_instance("slack", fake_slack.url)
    fake_slack.script("/chat.postMessage", Answer(200, {"ok": False, "error": "not_in_channel"}))
    body = body_of(fixture("slack", "message__im"))
    post(client, instance.name, body, slack_headers(body))
    idle()
    assert len(fake_slack.received("/chat.postMessage")) == 1
    instance.refresh_from_db()
    assert "not_in_channel" in instance.last_error and instance.last_error_at
    assert InboundEvent.objects.get().status == "failed"
    assert OutboundMessage.objects.get().status == "failed"


def test_our_own_slack_message_never_triggers_a_reply(client, make_instance, fake_slack, idle) -> None:
    instance = make_instance("slack", fake_slack.url)
    payload = fixture("slack", "message__im")
    payload["event"].update(user="U0GWBOT001", bot_id="B0GWBOT001")
    body = body_of(payload)
    assert post(client, instance.name, body, slack_headers(body)).status_code == 200
    idle()
    assert fake_slack.requests == []
    assert InboundEvent.objects.get().status == "ignored"


def test_a_group_message_without_a_mention_is_not_answered(client, make_instance, fake_slack, idle) -> None:
    instance = make_instance("slack", fake_slack.url)
    payload = fixture("slack", "message__channel_thread_reply")
    payload["event"]["text"] = "just chatting"
    body = body_of(payload)
    post(client, instance.name, body, slack_headers(body))
    idle()
    assert fake_slack.requests == []
    assert "not addressed" in InboundEvent.objects.get().error


def test_a_whatsapp_batch_gets_one_quoted_reply_per_message(client, make_instance, fake_whatsapp, idle) -> None:
    instance = make_instance("whatsapp", fake_whatsapp.url)
    payload = fixture("whatsapp", "messages__text")
    second = fixture("whatsapp", "messages__reply_with_context")
    payload["entry"][0]["changes"].append(second["entry"][0]["changes"][0])
    body = body_of(payload)
    assert post(client, instance.name, body, meta_headers(body)).status_code == 200
    idle()
    texts = fake_whatsapp.texts()
    assert len(texts) == 2
    first = next(r for r in texts if r.json["text"]["body"].startswith("Hola"))
    assert first.path == "/v26.0/106540352242922/messages"
    assert first.header("Authorization") == "Bearer EAAG-test"
    assert first.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16505551234",
        "type": "text",
        "context": {"message_id": payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]},
        "text": {"preview_url": False, "body": "Hola! ¿Puedes resumir el informe Q3? 😀"},
    }
    marks = [r for r in fake_whatsapp.received("/messages") if r.json.get("status") == "read"]
    assert marks and marks[0].json["typing_indicator"] == {"type": "text"}


def test_whatsapp_statuses_are_recorded_not_answered(client, make_instance, fake_whatsapp, idle) -> None:
    instance = make_instance("whatsapp", fake_whatsapp.url)
    failed = fixture("whatsapp", "statuses__failed_outside_window")
    wamid = failed["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]
    OutboundMessage.objects.create(
        instance=instance,
        idempotency_key="x",
        chat_id="16505551234",
        text="hi",
        status="sent",
        platform_message_id=wamid,
    )
    body = body_of(failed)
    assert post(client, instance.name, body, meta_headers(body)).status_code == 200
    idle()
    assert fake_whatsapp.requests == []
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "failed" and outbound.delivery_status == "failed" and "131047" in outbound.error
    instance.refresh_from_db()
    assert "131047" in instance.last_error


def test_a_telegram_forum_message_is_answered_in_its_topic_in_html(client, make_instance, fake_telegram, idle) -> None:
    instance = make_instance("telegram", fake_telegram.url)
    payload = fixture("telegram", "update__forum_topic_message")
    payload["message"]["text"] = "@acme_agent_bot **Password reset**: fixed in 2.1 & rolled out."
    payload["message"]["entities"] = [{"offset": 0, "length": 15, "type": "mention"}]
    body = body_of(payload)
    assert post(client, instance.name, body, telegram_headers()).status_code == 200
    idle()
    [request] = fake_telegram.messages()
    assert request.path == "/bot7000000001:AAtest-token/sendMessage"
    assert request.json == {
        "chat_id": -1001555000111,
        "message_thread_id": 77,
        "text": "<b>Password reset</b>: fixed in 2.1 &amp; rolled out.",
        "parse_mode": "HTML",
        "reply_parameters": {"message_id": 903, "allow_sending_without_reply": True},
        "link_preview_options": {"is_disabled": True},
    }
    assert fake_telegram.received("/sendChatAction")


def test_a_generic_webhook_reply_goes_to_the_signed_callback(client, make_instance, fake_receiver, idle) -> None:
    instance = make_instance("webhook", name="crm", allowed_callback_hosts=["127.0.0.1"])
    payload = fixture("generic_webhook", "message_created__with_callback")
    payload["reply"]["callback_url"] = fake_receiver.url + "/hooks/agent-replies"
    body = body_of(payload)
    response = post(client, instance.name, body, generic_headers(body))
    assert response.status_code == 202 and response.json() == {"accepted": [payload["id"]]}
    idle()
    [request] = fake_receiver.received("/hooks/agent-replies")
    assert json.loads(request.raw)["message"]["text"] == "Where is my order #5521?"
    assert json.loads(request.raw)["correlation_id"] == "msg_99120"
    assert request.header("webhook-signature").startswith("v1,")


def test_a_generic_webhook_caller_can_wait_for_the_reply(client, make_instance) -> None:
    instance = make_instance("webhook", name="crm")
    payload = fixture("generic_webhook", "message_created__with_callback")
    payload["reply"] = {"wait": 5}
    body = body_of(payload)
    response = post(client, instance.name, body, generic_headers(body))
    assert response.status_code == 200
    [reply] = response.json()["replies"]
    assert reply["text"] == "Where is my order #5521?" and reply["status"] == "done"


def test_one_conversation_keeps_its_history_in_one_session(client, make_instance, fake_telegram, idle) -> None:
    instance = make_instance("telegram", fake_telegram.url)
    for update_id, text in ((1, "first"), (2, "second"), (3, "third")):
        payload = fixture("telegram", "update__private_text")
        payload["update_id"] = update_id
        payload["message"].update(message_id=update_id, text=text, entities=[])
        body = body_of(payload)
        post(client, instance.name, body, telegram_headers())
    idle()
    assert [r.json["text"] for r in fake_telegram.messages()] == ["first", "second", "third"]
    session = Session.objects.get(instance=instance)
    assert list(SessionMessage.objects.filter(session=session).values_list("role", "content")) == [
        ("user", "first"),
        ("assistant", "first"),
        ("user", "second"),
        ("assistant", "second"),
        ("user", "third"),
        ("assistant", "third"),
    ]
    assert ChannelInstance.objects.get(pk=instance.pk).last_error == ""


def test_a_waiting_caller_gets_the_reply_in_the_response_and_nothing_is_posted(
    client, make_instance, fake_receiver, idle
) -> None:
    instance = make_instance("webhook", name="crm")
    instance.credentials = {**instance.credentials, "callback_url": fake_receiver.url + "/hooks/agent-replies"}
    instance.save()
    payload = fixture("generic_webhook", "message_created__with_callback")
    payload["reply"] = {"wait": 5}
    body = body_of(payload)
    response = post(client, instance.name, body, generic_headers(body))
    assert response.status_code == 200
    [reply] = response.json()["replies"]
    assert reply["text"] == "Where is my order #5521?"
    idle()
    assert fake_receiver.received("/hooks/agent-replies") == [], "a reply returned in the response is not posted too"
