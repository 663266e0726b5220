"""Slack slash commands end to end: a signed form POST to the instance URL is acknowledged at once (Slack's 3 s),
answered once at its response_url (even when Slack retries), in_channel or ephemeral, by the agent the instance maps
the command to."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from agents_app.models import Agent
from channels_app.models import InboundEvent, OutboundMessage
from tests.channels_app.support import django_headers, fixture, slack_headers
from tests.fakes.fake_webhook_receiver import FakeWebhookReceiver

pytestmark = pytest.mark.usefixtures("fast_pipeline")


@pytest.fixture
def response_url() -> Iterator[FakeWebhookReceiver]:
    """Slack's response_url endpoint, on 127.0.0.1."""
    with FakeWebhookReceiver() as fake:
        yield fake


def command_body(receiver: FakeWebhookReceiver, **fields: str) -> bytes:
    form = fixture("slack", "slash_command__budget_impact")
    form["response_url"] = f"{receiver.url}/commands/T0ACME0001/1234567890/abcdef"
    form.update(fields)
    return urlencode(form).encode()


def post(client, name: str, body: bytes, **extra: str):
    headers = {**slack_headers(body), **extra}
    return client.post(
        f"/webhooks/{name}/", body, content_type="application/x-www-form-urlencoded", **django_headers(headers)
    )


def test_a_signed_slash_command_is_acknowledged_at_once_and_answered_at_its_response_url(
    client, make_instance, fake_slack, response_url, idle
) -> None:
    instance = make_instance("slack", response_url.url)
    body = command_body(response_url)
    started = time.monotonic()
    response = post(client, instance.name, body)
    assert response.status_code == 200 and time.monotonic() - started < 3.0
    idle()
    [answer] = response_url.received("/commands/T0ACME0001/1234567890/abcdef")
    assert answer.json == {"response_type": "in_channel", "text": "/budget-impact hire 3 engineers"}
    assert fake_slack.requests == []  # not posted to the channel as well
    event = InboundEvent.objects.get()
    assert (event.status, event.chat_id, event.sender_id) == ("done", "C0SUPPORT1", "U0ALICE001")


def test_a_command_slack_retries_is_answered_once(client, make_instance, response_url, idle) -> None:
    instance = make_instance("slack", response_url.url)
    body = command_body(response_url)
    for retry in ("", "1", "2"):
        extra = {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        assert post(client, instance.name, body, **extra).status_code == 200
    idle()
    assert len(response_url.received("/commands/T0ACME0001/1234567890/abcdef")) == 1
    assert OutboundMessage.objects.count() == 1


def test_a_command_with_a_bad_signature_is_401_and_stores_nothing(client, make_instance, response_url) -> None:
    instance = make_instance("slack", response_url.url)
    body = command_body(response_url)
    headers = {**slack_headers(body, secret="wrong-secret")}
    response = client.post(
        f"/webhooks/{instance.name}/", body, content_type="application/x-www-form-urlencoded", **django_headers(headers)
    )
    assert response.status_code == 401
    assert InboundEvent.objects.count() == 0


def test_ephemeral_answers_are_configurable_per_instance(client, make_instance, response_url, idle) -> None:
    instance = make_instance("slack", response_url.url, slash_response_type="ephemeral")
    post(client, instance.name, command_body(response_url))
    idle()
    [answer] = response_url.received("/abcdef")
    assert answer.json["response_type"] == "ephemeral"


def test_the_command_map_picks_the_agent(client, make_instance, response_url, idle) -> None:
    Agent.objects.create(name="coordinator", model="echo", instructions="Coordinate.")
    instance = make_instance("slack", response_url.url, slash_commands={"/budget-impact": "coordinator"})
    post(client, instance.name, command_body(response_url))
    idle()
    assert len(response_url.received("/abcdef")) == 1
    assert InboundEvent.objects.get().status == "done"
    from agents_app.models import AgentRun

    assert AgentRun.objects.get().agent_name == "coordinator"


def test_a_response_url_outside_slack_is_never_called(client, make_instance, fake_slack, response_url, idle) -> None:
    instance = make_instance("slack", fake_slack.url)
    post(client, instance.name, command_body(response_url, response_url="http://198.51.100.7/steal"))
    idle()
    assert response_url.requests == [] and fake_slack.requests == []
    assert OutboundMessage.objects.get().status == "failed"


def test_the_seeds_budget_impact_command_reaches_a_coordinator_that_delegates(
    client, make_instance, response_url, idle
) -> None:
    """Slack "/budget-impact hire 3 engineers" → coordinator → financial-analyst + recruiter → one synthesis."""
    from agents_app.models import AgentRun
    from tests.fakes.fake_openai import FakeOpenAI, Reply

    with FakeOpenAI() as llm:
        for name in ("financial-analyst", "recruiter"):
            Agent.objects.create(name=name, model="gpt-4o-mini", base_url=llm.base_url, instructions=name)
        Agent.objects.create(
            name="coordinator",
            model="gpt-4o-mini",
            base_url=llm.base_url,
            instructions="Coordinate.",
            delegates=["financial-analyst", "recruiter"],
        )
        llm.script(
            Reply(tool_calls=[("ask_financial_analyst", {"task": "cost"}), ("ask_recruiter", {"task": "time"})]),
            Reply(text="$600k a year"),
            Reply(text="10 weeks"),
            Reply(text="Hiring 3 engineers: about $600k a year, about 10 weeks."),
        )
        instance = make_instance("slack", response_url.url, slash_commands={"/budget-impact": "coordinator"})
        assert post(client, instance.name, command_body(response_url)).status_code == 200
        idle()
    [answer] = response_url.received("/abcdef")
    assert answer.json["text"] == "Hiring 3 engineers: about $600k a year, about 10 weeks."
    parent = AgentRun.objects.get(agent_name="coordinator")
    assert sorted(parent.children.values_list("agent_name", flat=True)) == ["financial-analyst", "recruiter"]
