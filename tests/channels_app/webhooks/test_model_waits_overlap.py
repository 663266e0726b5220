"""Turns of different conversations wait on the model side by side, however few workers may run Python at once
(routing/pipeline/slots.py): with a slow model the number of threads, not the CPU, used to bound the replies/s."""

from __future__ import annotations

import threading

import pytest

from agents_app.models import Agent
from channels_app.models import InboundEvent
from routing.pipeline.worker import process_event
from tests.channels_app.support import body_of, django_headers, fixture, slack_headers
from tests.fakes.fake_openai import FakeOpenAI
from tests.fakes.llm_server import Reply

CONVERSATIONS = 4


@pytest.fixture
def slow_model():
    with FakeOpenAI(default=Reply(text="ok", delay=0.5)) as fake:
        Agent.objects.filter(name="echo-agent").update(model="llama3", base_url=fake.base_url, api_key="sk-test")
        yield fake


def _store(client, instance, number: int) -> int:
    payload = fixture("slack", "message__im")
    ts = f"17672256{number:02d}.000100"
    payload["event"] = {**payload["event"], "text": f"question {number}", "ts": ts, "channel": f"D{number:05d}"}
    payload["event"]["client_msg_id"] = f"m-{number}"
    payload["event_id"] = f"EvSLOW{number}"
    body = body_of(payload)
    response = client.post(
        f"/webhooks/{instance.name}/", body, content_type="application/json", **django_headers(slack_headers(body))
    )
    assert response.status_code == 200
    return InboundEvent.objects.order_by("-id").first().pk


def test_one_running_worker_still_keeps_every_conversations_model_call_in_flight(
    client, make_instance, fake_slack, slow_model, settings
) -> None:
    settings.GATEWAY_DISPATCH = "off"  # stored and acknowledged only: the threads below are the workers
    settings.GATEWAY_ACTIVE_WORKERS = 1
    instance = make_instance("slack", fake_slack.url)
    events = [_store(client, instance, number) for number in range(CONVERSATIONS)]
    workers = [threading.Thread(target=process_event, args=(event_id,)) for event_id in events]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert sorted(r.json["text"] for r in fake_slack.posts()) == ["ok"] * CONVERSATIONS
    assert slow_model.max_in_flight == CONVERSATIONS  # 1 when a worker kept its slot while the model answered
