"""`/webhook/<platform>` (the URLs Agentix users' Slack and WhatsApp apps already point at) reaches the single
enabled instance of the platform, says which, and refuses to guess between several."""

from __future__ import annotations

import pytest

from channels_app.models import InboundEvent
from tests.channels_app.support import body_of, django_headers, fixture, slack_headers

pytestmark = pytest.mark.usefixtures("fast_pipeline")


def post(client, path: str, body: bytes, headers: dict[str, str]):
    return client.post(path, body, content_type="application/json", **django_headers(headers))


def test_a_signed_slack_delivery_to_webhook_slack_is_answered_once_and_names_its_instance(
    client, make_instance, fake_slack, idle
) -> None:
    make_instance("slack", fake_slack.url, name="support-bot")
    body = body_of(fixture("slack", "message__im"))
    response = post(client, "/webhook/slack", body, slack_headers(body))
    assert response.status_code == 200
    assert response["X-Gateway-Instance"] == "support-bot"
    idle()
    [request] = fake_slack.posts()
    assert request.path == "/chat.postMessage" and request.json["channel"] == "D0ALICEBOT1"
    assert InboundEvent.objects.get().instance.name == "support-bot"


def test_the_platform_url_checks_the_signature_like_the_instance_url(client, make_instance, fake_slack) -> None:
    make_instance("slack", fake_slack.url)
    body = body_of(fixture("slack", "message__im"))
    response = post(client, "/webhook/slack", body, slack_headers(body, secret="not-the-secret"))
    assert response.status_code == 401
    assert InboundEvent.objects.count() == 0


def test_two_enabled_slack_instances_answer_409_with_both_candidates(client, make_instance, fake_slack) -> None:
    make_instance("slack", fake_slack.url, name="slack-a")
    make_instance("slack", fake_slack.url, name="slack-b")
    body = body_of(fixture("slack", "message__im"))
    response = post(client, "/webhook/slack", body, slack_headers(body))
    assert response.status_code == 409
    assert [c["instance"] for c in response.json()["candidates"]] == ["slack-a", "slack-b"]
    assert response.json()["candidates"][0]["url"] == "/webhooks/slack-a/"
    assert InboundEvent.objects.count() == 0


def test_a_disabled_second_instance_does_not_count(client, make_instance, fake_slack, idle) -> None:
    make_instance("slack", fake_slack.url, name="slack-a")
    retired = make_instance("slack", fake_slack.url, name="slack-old")
    retired.enabled = False
    retired.save()
    body = body_of(fixture("slack", "message__im"))
    response = post(client, "/webhook/slack", body, slack_headers(body))
    assert response.status_code == 200 and response["X-Gateway-Instance"] == "slack-a"
    idle()


def test_a_platform_with_no_enabled_instance_is_404(client, make_instance, fake_slack) -> None:
    make_instance("whatsapp", fake_slack.url)
    body = body_of(fixture("slack", "message__im"))
    assert post(client, "/webhook/slack", body, slack_headers(body)).status_code == 404
    assert post(client, "/webhook/not-a-platform", body, slack_headers(body)).status_code == 404


def test_whatsapps_verification_get_on_webhook_whatsapp_echoes_the_challenge(client, make_instance) -> None:
    make_instance("whatsapp")
    query = {"hub.mode": "subscribe", "hub.verify_token": "gw-verify-7c1d9e", "hub.challenge": "1158201444"}
    response = client.get("/webhook/whatsapp", query)
    assert response.status_code == 200 and response.content == b"1158201444"
    assert client.get("/webhook/whatsapp", {**query, "hub.verify_token": "wrong"}).status_code == 403
