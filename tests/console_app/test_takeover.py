"""Human takeover of a Slack conversation, through the real webhook, pipeline and delivery path against the fake
Slack server: pause → the agent stays silent → the operator's answer reaches Slack once, formatted and threaded like
an agent reply and recorded with their name → hand back → the agent answers again; a timeout hands back alone."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from agents_app.models import Agent
from channels_app.models import ChannelInstance, InboundEvent, OutboundMessage
from channels_app.webhooks import ratelimit
from console_app import takeover
from console_app.roles import OPERATOR, VIEWER, assign_role
from routing.models import RoutingRule, Session
from routing.pipeline import dispatch
from tests.channels_app.support import SLACK_SECRET, body_of, django_headers, fixture, slack_headers
from tests.fakes.fake_slack import FakeSlack

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def slack(settings) -> Iterator[tuple[FakeSlack, ChannelInstance]]:
    settings.GATEWAY_DISPATCH = "embedded"
    settings.GATEWAY_SWEEP_INTERVAL = 0
    settings.GATEWAY_RETRY_AFTER_CAP = 0.05
    settings.GATEWAY_RETRY_BASE = 0.01
    ratelimit.instances.reset()
    ratelimit.senders.reset()
    agent = Agent.objects.create(name="echo-agent", model="echo", instructions="Repeat.")
    with FakeSlack() as fake:
        instance = ChannelInstance.objects.create(
            name="slack-main",
            platform="slack",
            credentials={"token": "xoxb-test-token", "signing_secret": SLACK_SECRET},
            api_base_url=fake.url,
        )
        RoutingRule.objects.create(instance=instance, context="default", agent=agent)
        yield fake, instance
        dispatch.embedded().wait_idle(10)


def say(text: str, n: int) -> None:
    """Alice writes in her DM with the bot (a new Slack event each time)."""
    payload = fixture("slack", "message__im")
    payload["event_id"] = f"Ev0TAKEOVER{n:03d}"
    payload["event"].update(text=text, ts=f"1767225600.0002{n:02d}", event_ts=f"1767225600.0002{n:02d}")
    payload["event"].pop("blocks", None)
    payload["event"]["client_msg_id"] = f"takeover-{n}"
    body = body_of(payload)
    response = Client().post(
        "/webhooks/slack-main/", body, content_type="application/json", **django_headers(slack_headers(body))
    )
    assert response.status_code == 200
    assert dispatch.embedded().wait_idle(10)


def operator_client(role: str = OPERATOR) -> Client:
    user = get_user_model().objects.create_user(f"dana-{role}", password="dana-pass-123")
    assign_role(user, role)
    client = Client()
    client.force_login(user)
    return client


def test_an_operator_takes_over_answers_once_as_a_human_and_hands_back(slack) -> None:
    fake, _ = slack
    say("first question", 1)
    assert [p.json["text"] for p in fake.posts()] == ["first question"]
    session = Session.objects.get()
    ops = operator_client()

    assert ops.post(f"/ops/sessions/{session.pk}/takeover/").json()["takeover"]["by"] == "dana-operator"
    say("are you a bot?", 2)
    assert len(fake.posts()) == 1, "while taken over the agent never answers"
    held = InboundEvent.objects.get(dedupe_key__contains="Ev0TAKEOVER002")
    assert held.status == "ignored" and "dana-operator has taken over" in held.error
    live = ops.get(f"/ops/sessions/{session.pk}/messages/", {"after": 2}).json()
    assert [m["content"] for m in live["messages"]] == ["are you a bot?"]

    response = ops.post(f"/ops/sessions/{session.pk}/reply/", {"text": "No, **a human** here."})
    assert response.status_code == 200, response.content
    posts = fake.posts()
    assert len(posts) == 2 and posts[1].json["text"] == "No, *a human* here."  # Slack mrkdwn, like an agent reply
    assert posts[1].json["channel"] == "D0ALICEBOT1"
    human = session.messages.order_by("-seq").first()
    assert (human.role, human.metadata["operator"]) == ("assistant", "dana-operator")
    assert OutboundMessage.objects.filter(idempotency_key__startswith="human:", status="sent").count() == 1

    assert ops.post(f"/ops/sessions/{session.pk}/handback/").json()["takeover"] is None
    say("thanks, bye", 3)
    assert [p.json["text"] for p in fake.posts()][-1] == "thanks, bye"
    assert len(fake.posts()) == 3


def test_a_takeover_hands_back_by_itself_after_its_timeout(slack, settings) -> None:
    fake, _ = slack
    settings.GATEWAY_TAKEOVER_TIMEOUT = 1
    say("hello", 1)
    session = Session.objects.get()
    operator_client().post(f"/ops/sessions/{session.pk}/takeover/")
    time.sleep(1.2)
    say("still there?", 2)
    assert [p.json["text"] for p in fake.posts()] == ["hello", "still there?"]
    session.refresh_from_db()
    assert "takeover" not in session.metadata


def test_a_viewer_watches_but_cannot_take_over_or_answer(slack) -> None:
    say("hello", 1)
    session = Session.objects.get()
    viewer = operator_client(VIEWER)
    assert viewer.get(f"/ops/sessions/{session.pk}/").status_code == 200
    assert viewer.post(f"/ops/sessions/{session.pk}/takeover/").status_code == 403
    assert viewer.post(f"/ops/sessions/{session.pk}/reply/", {"text": "hi"}).status_code == 403
    assert takeover.state(session) is None


def test_answering_without_a_takeover_is_refused_with_a_reason(slack) -> None:
    say("hello", 1)
    session = Session.objects.get()
    response = operator_client().post(f"/ops/sessions/{session.pk}/reply/", {"text": "hi"})
    assert response.status_code == 400 and "take the conversation over" in response.json()["error"]


def test_the_websocket_plane_hears_each_step_of_a_takeover(slack, monkeypatch) -> None:
    import channels_app.events as events

    heard: list[tuple[str, dict]] = []
    monkeypatch.setattr(events, "unheard", lambda: False)  # as when a WebSocket client subscribed to gateway.events
    monkeypatch.setattr(events._publisher, "submit", lambda message: heard.append(message["payload"]))
    say("hello", 1)
    session = Session.objects.get()
    ops = operator_client()
    ops.post(f"/ops/sessions/{session.pk}/takeover/")
    say("a question for a human", 2)
    ops.post(f"/ops/sessions/{session.pk}/reply/", {"text": "a human answer"})
    ops.post(f"/ops/sessions/{session.pk}/handback/")
    kinds = [p["type"] for p in heard if p["type"].startswith("takeover.")]
    assert kinds == ["takeover.started", "takeover.message", "takeover.reply", "takeover.ended"]
    message = next(p for p in heard if p["type"] == "takeover.message")
    assert message["data"]["text"] == "a question for a human" and message["data"]["session_id"] == session.pk
