"""The offline model ("echo"): no network, no key, deterministic — what demos and other developers' tests use."""

from __future__ import annotations

import contextlib

import pytest

from agents_app.models import Agent, AgentRun
from agents_app.runtime import ChatTurn, Final, TextDelta, ToolFinished, ToolStarted, run_agent, stream_agent

pytestmark = pytest.mark.django_db(transaction=True)


async def test_it_echoes_the_user_text_with_no_key_and_no_network() -> None:
    agent = await Agent.objects.acreate(name="demo", model="echo")
    reply = await run_agent(agent, [ChatTurn("user", "earlier")], "hello there")
    assert reply.text == "hello there"
    assert reply.model == "echo"
    assert reply.provider == "offline"
    assert reply.usage.completion_tokens == 2


async def test_offline_aliases_are_the_same_model() -> None:
    agent = await Agent.objects.acreate(name="demo", model="offline/support-bot")
    reply = await run_agent(agent, [], "ping")
    assert reply.text == "ping"


async def test_the_stream_yields_deltas_that_add_up_to_the_final_text() -> None:
    agent = await Agent.objects.acreate(name="demo", model="echo")
    events = [event async for event in stream_agent(agent, [], "one two three")]
    assert isinstance(events[-1], Final)
    deltas = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert deltas == events[-1].reply.text == "one two three"


async def test_a_slash_command_makes_the_offline_model_call_the_agents_tool() -> None:
    agent = await Agent.objects.acreate(name="demo", model="echo", tools=["tests.agents_app.sample_tools.add"])
    events = [event async for event in stream_agent(agent, [], '/add {"a": 2, "b": 3}')]
    assert [type(e) for e in events[:2]] == [ToolStarted, ToolFinished]
    assert events[0] == ToolStarted("add", {"a": 2, "b": 3})
    assert events[1] == ToolFinished("add", "5", False)
    assert events[-1].reply.text == "add: 5"


async def test_every_run_is_recorded_with_its_usage() -> None:
    agent = await Agent.objects.acreate(name="demo", model="echo")
    await run_agent(agent, [], "count these words", context={"session": "s-1"})
    run = await AgentRun.objects.aget()
    assert (run.agent_id, run.status, run.model, run.provider) == (agent.pk, "ok", "echo", "offline")
    assert run.completion_tokens == 3
    assert run.context == {"session": "s-1"}


async def test_an_aborted_stream_still_records_the_run() -> None:
    agent = await Agent.objects.acreate(name="demo", model="echo", tools=["tests.agents_app.sample_tools.add"])
    async with contextlib.aclosing(stream_agent(agent, [], '/add {"a": 1, "b": 1}')) as events:
        async for event in events:
            assert isinstance(event, ToolStarted)
            break
    run = await AgentRun.objects.aget()
    assert (run.status, run.error) == ("error", "aborted by the caller before the reply was complete")
    assert run.model_calls == 1
