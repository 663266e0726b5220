"""A WebSocket turn's database cost stays small: every statement is a round trip on a database thread the whole
plane shares, so turn throughput follows the count (bench/ws_load.py). The agent calls an OpenAI-compatible model
over HTTP (a fake on 127.0.0.1) through the real SDK, the path users run."""

from __future__ import annotations

import pytest

from tests.channels_app.realtime.conftest import db_call
from tests.fakes.fake_openai import FakeOpenAI
from tests.query_budget import listing, queries_on_all_threads

pytestmark = pytest.mark.django_db(transaction=True)

# Liveness beats run on their own timers; they are not part of a turn.
BACKGROUND = ("realtime_gatewayserver", "realtime_connectionlease")


@pytest.fixture
def fake_openai():
    with FakeOpenAI() as fake:
        yield fake


def _use_http_model(base_url: str) -> None:
    from agents_app.models import Agent, ProviderSettings

    ProviderSettings.load()  # its row exists in any gateway that ran once
    agent = Agent.objects.get(name="helper")
    agent.model, agent.base_url, agent.api_key, agent.memory = "llama3", base_url, "sk-test", True
    agent.save()


async def test_a_turn_in_a_running_session_costs_few_queries(gateway, connect, fake_openai, settings, capsys) -> None:
    settings.GATEWAY_WS_CONFIG_TTL = 30  # as deployed: the plane's config is not re-read per frame
    await db_call(_use_http_model, fake_openai.base_url)
    client = await connect()
    await client.hello()
    await client.send({"type": "message", "content": "hello"})
    first = await client.recv_until(lambda f: f.get("status") == "final")
    await client.send({"type": "message", "content": "warm"})  # the first turn loads the SDK: caches may expire
    await client.recv_until(lambda f: f.get("status") == "final")
    with queries_on_all_threads(ignore=BACKGROUND) as warm:
        await client.send({"type": "message", "content": "and again"})
        second = await client.recv_until(lambda f: f.get("status") == "final")
    assert (first["content"], second["content"]) == ("ok", "ok")
    assert [m["content"] for m in fake_openai.requests[-1].body["messages"] if m["role"] == "user"] == [
        "hello",
        "warm",
        "and again",
    ]
    with capsys.disabled():
        print(f"\nqueries per WebSocket turn: {len(warm)}")
    # 14 before the runtime remembered its guardrails and fallback model and the cursor came back from its UPDATE;
    # 10 before the turn checked its cached agent and remembered session in one raw statement and remembered that
    # no remote agent answers: one read hop (agent + session check, history), then one write hop (cursor, max seq,
    # history, session activity, run record, frame).
    budget = 8
    assert len(warm) <= budget, listing(warm)
    # A request_id is claimed with one INSERT … SELECT … ON CONFLICT DO NOTHING (a read and an INSERT before).
    with queries_on_all_threads(ignore=BACKGROUND) as claimed:
        await client.send({"type": "message", "content": "once", "request_id": "r-1"})
        await client.recv_until(lambda f: f.get("status") == "final")
    assert len(claimed) <= budget + 1, listing(claimed)
