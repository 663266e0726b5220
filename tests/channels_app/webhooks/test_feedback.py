"""Feedback instead of silence, at the fake Slack: a sender over sender_rate_limit is told so once per window; a
sender who is not allowed is told not_allowed_reply when one is set (silence by default); blocked users hear nothing."""

from __future__ import annotations

import json
from itertools import count

import pytest

from channels_app.models import InboundEvent
from channels_app.webhooks import feedback
from tests.channels_app.support import body_of, django_headers, fixture, slack_headers

pytestmark = pytest.mark.usefixtures("fast_pipeline")
_numbers = count(1)


@pytest.fixture(autouse=True)
def _fresh_notices() -> None:
    feedback.reset()


def say(client, instance: str, text: str, user: str = "U0ALICE001") -> None:
    n = next(_numbers)
    payload = json.loads(json.dumps(fixture("slack", "message__im")))
    payload["event_id"] = f"Ev0FB{n:06d}"
    payload["event"].update(text=text, ts=f"1767226600.{n:06d}", user=user, client_msg_id=f"fb-{n}")
    payload["event"].pop("blocks", None)
    body = body_of(payload)
    response = client.post(
        f"/webhooks/{instance}/", body, content_type="application/json", **django_headers(slack_headers(body))
    )
    assert response.status_code == 200


def texts(fake_slack) -> list[str]:
    return [r.json["text"] for r in fake_slack.posts()]


def test_a_sender_over_the_rate_limit_is_told_once_per_window(client, make_instance, fake_slack, idle) -> None:
    instance = make_instance("slack", fake_slack.url, sender_rate_limit=1)
    for text in ("one", "two", "three"):
        say(client, instance.name, text)
    idle()
    assert texts(fake_slack) == ["one", "You're sending messages too quickly. Please wait a moment and try again."]
    assert InboundEvent.objects.filter(status="ignored", error="sender rate limit").count() == 1


def test_the_rate_limit_reply_is_configurable_and_can_be_silence(client, make_instance, fake_slack, idle) -> None:
    instance = make_instance("slack", fake_slack.url, sender_rate_limit=1, rate_limit_reply="Easy, tiger.")
    quiet = make_instance("slack", fake_slack.url, name="quiet", sender_rate_limit=1, rate_limit_reply="")
    for name in (instance.name, quiet.name):
        say(client, name, "one")
        say(client, name, "two")
    idle()
    assert sorted(texts(fake_slack)) == ["Easy, tiger.", "one", "one"]


def test_a_sender_not_allowed_is_told_only_when_a_reply_is_set(client, make_instance, fake_slack, idle) -> None:
    silent = make_instance("slack", fake_slack.url, name="silent", allowed_users=["U0BOB00002"])
    told = make_instance(
        "slack", fake_slack.url, name="told", allowed_users=["U0BOB00002"], not_allowed_reply="This bot is private."
    )
    say(client, silent.name, "hello")
    say(client, told.name, "hello")
    say(client, told.name, "hello again")
    idle()
    assert texts(fake_slack) == ["This bot is private."]


def test_a_blocked_user_hears_nothing(client, make_instance, fake_slack, idle) -> None:
    instance = make_instance(
        "slack", fake_slack.url, blocked_users=["U0ALICE001"], not_allowed_reply="This bot is private."
    )
    say(client, instance.name, "hello")
    idle()
    assert fake_slack.requests == []
