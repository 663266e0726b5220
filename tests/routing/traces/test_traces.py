"""A turn's trace: one timeline from the inbound event through routing, session and agent run to each sent chunk,
the same on the operator page and over the API, findable by text, conversation, sender and platform id."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from agents_app.models import Agent, AgentRun, GuardrailVerdict, ModelPrice
from channels_app.models import ChannelInstance, InboundEvent, OutboundMessage
from console_app.roles import VIEWER, assign_role
from routing.api.models import ApiToken
from routing.models import Session, SessionMessage
from routing.traces.build import build_trace
from routing.traces.search import search_traces

pytestmark = pytest.mark.django_db


@pytest.fixture
def turn() -> InboundEvent:
    """One answered Slack message as the pipeline records it."""
    agent = Agent.objects.create(name="helper", model="gpt-4o-mini")
    instance = ChannelInstance.objects.create(name="acme-slack", platform="slack")
    instance.routing_rules.create(context="dm", agent=agent)
    now = timezone.now()
    event = InboundEvent.objects.create(
        instance=instance,
        dedupe_key="Ev0PV52K21",
        payload={"message": {"text": "where is my parcel?", "sender_id": "U0ALICE"}, "raw": {"x": 1}},
        status="done",
        attempts=1,
        conversation_key="acme-slack:D0ALICE:",
        chat_id="D0ALICE",
        context="dm",
        sender_id="U0ALICE",
        reply="It left the depot.",
        started_at=now,
        finished_at=now + timedelta(seconds=2),
    )
    session = Session.objects.create(key="acme-slack:D0ALICE:", instance=instance, chat_id="D0ALICE", agent=agent)
    SessionMessage.objects.create(
        session=session, seq=1, role="user", content="where is my parcel?", metadata={"inbound_event": event.pk}
    )
    SessionMessage.objects.create(
        session=session, seq=2, role="assistant", content="It left the depot.", metadata={"inbound_event": event.pk}
    )
    run = AgentRun.objects.create(
        agent=agent,
        agent_name="helper",
        model="gpt-4o-mini",
        provider="openai",
        status="ok",
        prompt_tokens=1000,
        completion_tokens=500,
        model_calls=2,
        tool_calls=[{"name": "track_parcel", "arguments": {"id": "7"}, "error": False}],
        duration_ms=800,
        context={"source": "channel", "inbound_event": event.pk, "session": session.key, "route": "rule:dm"},
        input_text="where is my parcel?",
        output_text="It left the depot.",
    )
    GuardrailVerdict.objects.create(
        run=run, agent_name="helper", guardrail_name="no-pii", verdict="pass", reason="no personal data"
    )
    OutboundMessage.objects.create(
        instance=instance,
        inbound=event,
        idempotency_key=f"reply:{event.pk}:0",
        chat_id="D0ALICE",
        text="It left the depot.",
        status="sent",
        attempts=2,
        platform_message_id="1767225000.000100",
        sent_at=now + timedelta(seconds=1),
    )
    ModelPrice.objects.create(model="gpt-4o*", input_per_million=Decimal("0.15"), output_per_million=Decimal("0.60"))
    return event


def test_the_trace_shows_inbound_routing_session_run_and_chunk_on_one_timeline(turn) -> None:
    trace = build_trace(f"event-{turn.pk}")
    assert trace["inbound"]["text"] == "where is my parcel?"
    assert trace["routing"] == {"context": "dm", "rule": "rule:dm", "agent": "helper", "recorded": True}
    assert trace["session"]["key"] == "acme-slack:D0ALICE:"
    [run] = trace["agent_runs"]
    assert run["input"] == "where is my parcel?" and run["output"] == "It left the depot."
    assert run["tool_calls"][0]["name"] == "track_parcel"
    assert run["guardrail_verdicts"] == [
        {"guardrail": "no-pii", "verdict": "pass", "reason": "no personal data", "attempt": 1}
    ]
    assert Decimal(run["cost"]) == Decimal("0.00045")  # 1000 × 0.15/1M + 500 × 0.60/1M, by the gpt-4o* prefix row
    [chunk] = trace["outbound"]
    assert chunk["attempts"] == 2 and chunk["platform_message_id"] == "1767225000.000100"
    kinds = [step["kind"] for step in trace["steps"]]
    assert kinds[0] == "inbound" and "agent_finished" in kinds and "sent" in kinds and kinds[-1] == "finished"
    timed = [step for step in trace["steps"] if step["after_ms"] is not None]
    assert timed, "the steps carry the time since the previous step"


def test_an_agent_run_leads_to_the_trace_of_its_inbound_event(turn) -> None:
    run = AgentRun.objects.get()
    assert build_trace(f"run-{run.pk}")["id"] == f"event-{turn.pk}"


def test_a_web_chat_turn_without_an_inbound_event_is_traced_by_its_run() -> None:
    run = AgentRun.objects.create(
        agent_name="helper",
        model="echo",
        status="error",
        error="model unreachable",
        context={"source": "websocket", "session": "ws:abc"},
        input_text="hi there",
    )
    trace = build_trace(f"run-{run.pk}")
    assert trace["inbound"] is None and trace["agent_runs"][0]["error"] == "model unreachable"
    assert [row["id"] for row in search_traces("hi there")] == [f"run-{run.pk}"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("parcel", "text"),
        ("D0ALICE", "conversation"),
        ("U0ALICE", "sender"),
        ("1767225000.000100", "platform_id"),
        ("Ev0PV52K21", "platform_id"),
        ("PARCEL", "any"),
    ],
)
def test_search_finds_the_turn_by_text_conversation_sender_and_platform_id(turn, query, field) -> None:
    assert [row["id"] for row in search_traces(query, field=field)] == [f"event-{turn.pk}"]


def test_a_search_that_matches_nothing_is_empty(turn) -> None:
    assert search_traces("no such words anywhere") == []


def test_the_operator_page_shows_the_whole_turn(client, turn) -> None:
    user = get_user_model().objects.create_user("op", password="op-pass-123")
    assign_role(user, VIEWER)
    client.force_login(user)
    html = client.get(f"/ops/traces/event-{turn.pk}/").content.decode()
    for expected in (
        "where is my parcel?",
        "rule:dm",
        "It left the depot.",
        "1767225000.000100",
        "no-pii",
        "0.00045",
        "acme-slack:D0ALICE:",
    ):
        assert expected in html
    listing = client.get("/ops/traces/", {"q": "U0ALICE", "field": "sender"}).content.decode()
    assert f"/ops/traces/event-{turn.pk}/" in listing
    assert client.get("/ops/traces/event-999999/").status_code == 404


def test_every_record_of_the_turn_links_to_its_trace(client, turn) -> None:
    client.force_login(get_user_model().objects.create_superuser("root", password="root-pass-123"))
    link = f"/ops/traces/event-{turn.pk}/"
    inbound_list = client.get("/admin/channels_app/inboundevent/").content.decode()
    assert link in inbound_list and "where is my parcel?" in inbound_list  # the text column
    assert link in client.get("/admin/channels_app/outboundmessage/").content.decode()
    runs = client.get("/admin/agents_app/agentrun/", {"q": "acme-slack:D0ALICE"}).content.decode()
    assert link in runs, "agent-run search finds a conversation id"
    session = Session.objects.get()
    assert link in client.get(f"/ops/sessions/{session.pk}/").content.decode()


def test_the_api_serves_the_same_trace_with_a_read_token(client, turn) -> None:
    user = get_user_model().objects.create_user("reader", password="reader-pass-123")
    assign_role(user, VIEWER)
    _, raw = ApiToken.issue(user, "ci")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    listing = client.get("/api/v1/traces/", {"q": "parcel"}, **auth).json()
    assert [row["id"] for row in listing["results"]] == [f"event-{turn.pk}"]
    detail = client.get(f"/api/v1/traces/event-{turn.pk}/", **auth).json()
    assert detail == build_trace(f"event-{turn.pk}")
    assert client.get("/api/v1/traces/event-999999/", **auth).status_code == 404
    assert client.get("/api/v1/traces/").status_code == 401


def test_the_session_admin_page_opens_with_the_transcript(client, turn) -> None:
    client.force_login(get_user_model().objects.create_superuser("root", password="root-pass-123"))
    session = Session.objects.get()
    html = client.get(f"/admin/routing/session/{session.pk}/change/").content.decode()
    assert html.index("It left the depot.") < html.index('name="metadata"')
    assert f"/ops/traces/event-{turn.pk}/" in html
