"""Each adapter's send, against a fake platform server on 127.0.0.1: the exact documented request, and errors
classified as permanent or transient."""

from __future__ import annotations

import json

import pytest

from channels_app.adapters import DeliveryError, Target
from channels_app.adapters.signing import standard_webhooks_signature
from tests.channels_app.support import GENERIC_SECRET, TELEGRAM_TOKEN, fixture
from tests.fakes.fake_slack import FakeSlack
from tests.fakes.fake_telegram import FakeTelegram
from tests.fakes.fake_webhook_receiver import Answer, FakeWebhookReceiver
from tests.fakes.fake_whatsapp import FakeWhatsApp


def test_slack_posts_the_documented_chat_postmessage(make_adapter) -> None:
    documented = fixture("slack", "chat_postMessage__request")
    with FakeSlack() as slack:
        adapter = make_adapter("slack", slack.url)
        sent = adapter.send(documented["body"]["text"], Target("C0GENERAL01", "1767225000.000050"))
        [request] = slack.received("/chat.postMessage")
    assert request.method == "POST"
    assert request.header("Authorization") == "Bearer xoxb-test-token"
    assert request.header("Content-Type") == "application/json; charset=utf-8"
    assert request.json == documented["body"]
    assert sent.platform_message_id.startswith("1767230000.")


def test_slack_ok_false_is_a_permanent_failure(make_adapter) -> None:
    with FakeSlack() as slack:
        slack.script("/chat.postMessage", Answer(200, {"ok": False, "error": "not_in_channel"}))
        with pytest.raises(DeliveryError) as caught:
            make_adapter("slack", slack.url).send("hi", Target("C1"))
    assert caught.value.permanent and caught.value.code == "not_in_channel"


def test_slack_429_is_transient_with_retry_after(make_adapter) -> None:
    with FakeSlack() as slack:
        slack.script("/chat.postMessage", Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"}))
        with pytest.raises(DeliveryError) as caught:
            make_adapter("slack", slack.url).send("hi", Target("C1"))
    assert not caught.value.permanent and caught.value.retry_after == 30.0


def test_whatsapp_sends_the_documented_text_message(make_adapter) -> None:
    documented = fixture("whatsapp", "send_text__request")
    with FakeWhatsApp() as graph:
        adapter = make_adapter("whatsapp", graph.url, api_version="v26.0")
        sent = adapter.send(
            documented["body"]["text"]["body"],
            Target("16505551234", reply_to=documented["body"]["context"]["message_id"]),
        )
        [request] = graph.received("/messages")
    assert request.path == "/v26.0/106540352242922/messages"
    assert request.header("Authorization") == "Bearer EAAG-test"
    assert request.json == documented["body"]
    assert sent.platform_message_id == "wamid.OUT0001"


def test_whatsapp_pair_rate_limit_is_transient_and_window_closed_is_permanent(make_adapter) -> None:
    pair = fixture("whatsapp", "send_error__pair_rate_limited")["body"]
    closed = {"error": {"message": "Re-engagement message", "code": 131047}}
    with FakeWhatsApp() as graph:
        graph.script("/messages", Answer(400, pair), Answer(400, closed))
        adapter = make_adapter("whatsapp", graph.url)
        with pytest.raises(DeliveryError) as first:
            adapter.send("hi", Target("1"))
        with pytest.raises(DeliveryError) as second:
            adapter.send("hi", Target("1"))
    assert not first.value.permanent and first.value.retry_after
    assert second.value.permanent and second.value.code == "131047"


def test_telegram_sends_the_documented_html_message(make_adapter) -> None:
    documented = fixture("telegram", "sendMessage__html_request")["body"]
    with FakeTelegram(TELEGRAM_TOKEN) as tg:
        make_adapter("telegram", tg.url).send(documented["text"], Target("-1001555000111", "77", "903"))
        [request] = tg.received("/sendMessage")
    assert request.path == f"/bot{TELEGRAM_TOKEN}/sendMessage"
    assert request.json == documented


def test_telegram_resends_as_plain_text_after_a_parse_error(make_adapter) -> None:
    with FakeTelegram(TELEGRAM_TOKEN) as tg:
        tg.script("/sendMessage", Answer(400, fixture("telegram", "error__parse_entities")))
        make_adapter("telegram", tg.url).send("<b>Hi</b> &amp; bye", Target("1"))
        first, second = tg.received("/sendMessage")
    assert first.json["parse_mode"] == "HTML"
    assert "parse_mode" not in second.json and second.json["text"] == "Hi & bye"


def test_telegram_flood_error_carries_retry_after(make_adapter) -> None:
    with FakeTelegram(TELEGRAM_TOKEN) as tg:
        tg.script("/sendMessage", Answer(429, fixture("telegram", "error__flood")))
        with pytest.raises(DeliveryError) as caught:
            make_adapter("telegram", tg.url).send("hi", Target("1"))
    assert not caught.value.permanent and caught.value.retry_after == 35


def test_generic_callback_is_signed_standard_webhooks_style(make_adapter) -> None:
    with FakeWebhookReceiver() as receiver:
        adapter = make_adapter("webhook")
        target = Target(
            "conv_8842",
            extra={"callback_url": receiver.url + "/hooks", "correlation_id": "msg_1", "delivery_id": "reply:1:0"},
        )
        adapter.send("Order shipped.", target)
        [request] = receiver.received("/hooks")
    body = json.loads(request.raw)
    assert body["correlation_id"] == "msg_1" and body["message"]["text"] == "Order shipped."
    assert request.header("webhook-id") == request.header("Idempotency-Key") == "reply:1:0"
    expected = standard_webhooks_signature(
        GENERIC_SECRET, "reply:1:0", request.header("webhook-timestamp"), request.raw
    )
    assert request.header("webhook-signature") == expected


def test_generic_callback_4xx_is_permanent_and_5xx_transient(make_adapter) -> None:
    with FakeWebhookReceiver() as receiver:
        receiver.script("/hooks", Answer(404, {}), Answer(503, {}, {"Retry-After": "2"}))
        adapter = make_adapter("webhook")
        target = Target("c", extra={"callback_url": receiver.url + "/hooks", "delivery_id": "d"})
        with pytest.raises(DeliveryError) as gone:
            adapter.send("x", target)
        with pytest.raises(DeliveryError) as busy:
            adapter.send("x", target)
    assert gone.value.permanent
    assert not busy.value.permanent and busy.value.retry_after == 2.0
