"""The pipeline's database cost per message stays small: every query is a round trip that holds the interpreter
lock and (on SQLite) the one writer, so reply throughput follows the count (bench/webhook_load.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channels_app.models import InboundEvent, OutboundMessage
from routing.pipeline.worker import process_event
from tests.channels_app.support import body_of, django_headers, fixture, slack_headers


def _deliver(client, instance, text: str, ts: str) -> InboundEvent:
    payload = fixture("slack", "message__im")
    payload["event"] = {**payload["event"], "text": text, "ts": ts, "client_msg_id": f"m-{ts}"}
    payload["event_id"] = f"Ev{ts.replace('.', '')}"
    body = body_of(payload)
    response = client.post(
        f"/webhooks/{instance.name}/", body, content_type="application/json", **django_headers(slack_headers(body))
    )
    assert response.status_code == 200
    return InboundEvent.objects.order_by("-id").first()


@pytest.fixture
def stored_only(settings) -> None:
    settings.GATEWAY_DISPATCH = "off"  # store and acknowledge only: this test runs the pipeline itself


def test_a_message_in_a_running_conversation_costs_few_queries(
    client, make_instance, fake_slack, stored_only, capsys
) -> None:
    instance = make_instance("slack", fake_slack.url)
    first = _deliver(client, instance, "hello", "1767225600.000100")
    with CaptureQueriesContext(connection) as cold:
        process_event(first.pk)
    second = _deliver(client, instance, "and again", "1767225601.000100")
    with CaptureQueriesContext(connection) as warm:
        process_event(second.pk)
    assert [r.json["text"] for r in fake_slack.posts()] == ["hello", "and again"]
    assert OutboundMessage.objects.filter(status="sent").count() == 2
    with capsys.disabled():
        print(f"\nqueries per message: first {len(cold)}, next {len(warm)}")
    # 28 before routes/settings were cached, the savepoint dropped and the chunks no longer read back.
    # 23 on SQLite: 22 for the pipeline and runtime, 1 to ask whether a remote agent (over /ws) answers for the
    # agent; PostgreSQL adds the advisory lock and unlock.
    budget = 25 if connection.vendor == "postgresql" else 23
    assert len(warm) <= budget, "\n".join(q["sql"][:160] for q in warm.captured_queries)
