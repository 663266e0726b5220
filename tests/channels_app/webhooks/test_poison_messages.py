"""A NUL character (U+0000) in an authentic message is stripped and marked, answered 200, and never costs the good
messages beside it. PostgreSQL refuses NUL in text and jsonb, so run this with DATABASE_URL set too."""

from __future__ import annotations

import pytest

from channels_app.models import InboundEvent
from channels_app.webhooks.nul import MARK
from tests.channels_app.support import body_of, django_headers, fixture, meta_headers, slack_headers

pytestmark = pytest.mark.usefixtures("fast_pipeline")


def post(client, name: str, body: bytes, headers: dict[str, str]):
    return client.post(f"/webhooks/{name}/", body, content_type="application/json", **django_headers(headers))


def test_a_signed_slack_message_with_nul_is_stored_stripped_marked_and_answered(
    client, make_instance, fake_slack, idle
) -> None:
    slack = make_instance("slack", fake_slack.url)
    payload = fixture("slack", "message__im")
    payload["event"]["text"] = "hello\u0000 world"
    payload["event"]["user_profile\u0000"] = {"name": "\u0000"}
    body = body_of(payload)
    for _ in range(2):  # a redelivery is a duplicate, not another failure
        assert post(client, slack.name, body, slack_headers(body)).status_code == 200
    idle()
    event = InboundEvent.objects.get()
    assert event.payload["message"]["text"] == "hello world"
    assert event.payload[MARK] is True
    assert "\u0000" not in str(event.payload)
    assert [r.json["text"] for r in fake_slack.received("/chat.postMessage")] == ["hello world"]


def test_one_nul_message_never_costs_the_good_one_in_its_whatsapp_batch(
    client, make_instance, fake_whatsapp, idle
) -> None:
    instance = make_instance("whatsapp", fake_whatsapp.url)
    payload = fixture("whatsapp", "messages__text")
    second = fixture("whatsapp", "messages__reply_with_context")
    second["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = "bad\u0000byte"
    payload["entry"][0]["changes"].append(second["entry"][0]["changes"][0])
    body = body_of(payload)
    assert post(client, instance.name, body, meta_headers(body)).status_code == 200
    idle()
    assert InboundEvent.objects.filter(event_type="message").count() == 2
    texts = sorted(r.json["text"]["body"] for r in fake_whatsapp.texts())
    assert len(texts) == 2 and "badbyte" in texts
