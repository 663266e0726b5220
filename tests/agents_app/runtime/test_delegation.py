"""A coordinator delegates to sub-agents through `ask_<agent>` tools, against the fake OpenAI server: each
sub-agent runs its own loop with its own instructions on a fresh history, and every child run is linked to its
parent; depth ends delegation cycles."""

from __future__ import annotations

import pytest

from agents_app.models import Agent, AgentRun
from agents_app.runtime import run_agent
from tests.fakes.fake_openai import FakeOpenAI, Reply

pytestmark = pytest.mark.django_db(transaction=True)


async def make(server: FakeOpenAI, name: str, instructions: str, **fields: object) -> Agent:
    return await Agent.objects.acreate(
        name=name, instructions=instructions, model="gpt-4o-mini", base_url=server.base_url, **fields
    )


def system_of(body: dict) -> str:
    return body["messages"][0]["content"]


async def test_a_coordinator_asks_two_sub_agents_and_synthesises_their_answers(fake_openai: FakeOpenAI) -> None:
    await make(fake_openai, "financial-analyst", "You estimate costs.")
    await make(fake_openai, "recruiter", "You plan hiring.")
    coordinator = await make(
        fake_openai, "coordinator", "You coordinate budget questions.", delegates=["financial-analyst", "recruiter"]
    )
    fake_openai.script(
        Reply(
            tool_calls=[
                ("ask_financial_analyst", {"task": "Yearly cost of 3 senior engineers?"}),
                ("ask_recruiter", {"task": "How long to hire 3 senior engineers?"}),
            ]
        ),
        Reply(text="About $600k a year."),
        Reply(text="About 10 weeks."),
        Reply(text="Hiring 3 engineers costs about $600k a year and takes about 10 weeks."),
    )

    reply = await run_agent(coordinator, [], "/budget-impact hire 3 engineers", {"session": "slack:C1:"})

    assert reply.text == "Hiring 3 engineers costs about $600k a year and takes about 10 weeks."
    first, analyst, recruiter, synthesis = (r.body for r in fake_openai.requests)
    assert {t["function"]["name"] for t in first["tools"]} == {"ask_financial_analyst", "ask_recruiter"}
    assert system_of(analyst) == "You estimate costs."
    assert analyst["messages"][1:] == [{"role": "user", "content": "Yearly cost of 3 senior engineers?"}]
    assert "tools" not in analyst  # a sub-agent gets its own tools (none here), not its parent's delegates
    assert system_of(recruiter) == "You plan hiring."
    tool_results = [m["content"] for m in synthesis["messages"] if m["role"] == "tool"]
    assert tool_results == ["About $600k a year.", "About 10 weeks."]
    parent = await AgentRun.objects.aget(agent_name="coordinator")
    children = [run async for run in AgentRun.objects.filter(parent=parent).order_by("id")]
    assert [(c.agent_name, c.input_text, c.output_text) for c in children] == [
        ("financial-analyst", "Yearly cost of 3 senior engineers?", "About $600k a year."),
        ("recruiter", "How long to hire 3 senior engineers?", "About 10 weeks."),
    ]
    assert children[0].context["delegated_by"] == "coordinator" and children[0].context["delegation_depth"] == 1


async def test_a_delegation_cycle_stops_at_the_depth_bound(fake_openai: FakeOpenAI, settings) -> None:
    settings.GATEWAY_DELEGATION_MAX_DEPTH = 2
    alpha = await make(fake_openai, "alpha", "You are alpha.", delegates=["beta"])
    await make(fake_openai, "beta", "You are beta.", delegates=["alpha"])
    fake_openai.script(
        Reply(tool_calls=[("ask_beta", {"task": "b?"})]),
        Reply(tool_calls=[("ask_alpha", {"task": "a?"})]),
        Reply(text="alpha at depth 2"),
        Reply(text="beta done"),
        Reply(text="alpha done"),
    )

    reply = await run_agent(alpha, [], "go")

    assert reply.text == "alpha done"
    bodies = [r.body for r in fake_openai.requests]
    assert [t["function"]["name"] for t in bodies[0]["tools"]] == ["ask_beta"]
    assert [t["function"]["name"] for t in bodies[1]["tools"]] == ["ask_alpha"]
    assert "tools" not in bodies[2]  # alpha at the bound is offered no delegates: the cycle ends
    runs = {run.input_text: run async for run in AgentRun.objects.select_related("parent")}
    assert runs["a?"].parent.input_text == "b?" and runs["b?"].parent.input_text == "go"
    assert runs["go"].parent is None


async def test_an_agent_cannot_delegate_to_itself_or_to_a_disabled_agent(fake_openai: FakeOpenAI) -> None:
    await make(fake_openai, "retired", "Gone.", enabled=False)
    solo = await make(fake_openai, "solo", "Alone.", delegates=["solo", "retired"])
    fake_openai.script(Reply(tool_calls=[("ask_retired", {"task": "x"})]), Reply(text="did it myself"))

    reply = await run_agent(solo, [], "go")

    assert [t["function"]["name"] for t in fake_openai.requests[0].body["tools"]] == ["ask_retired"]
    assert reply.tool_calls[0].result == "error: agent 'retired' is unknown or disabled"
    assert reply.text == "did it myself"


async def test_a_slow_sub_agent_is_cut_at_the_coordinators_time_bound(fake_openai: FakeOpenAI, settings) -> None:
    settings.GATEWAY_AGENT_MAX_SECONDS = 1.0
    await make(fake_openai, "slow", "You are slow.")
    boss = await make(fake_openai, "boss", "You delegate.", delegates=["slow"])
    fake_openai.script(Reply(tool_calls=[("ask_slow", {"task": "x"})]), Reply(text="late", delay=3.0))

    with pytest.raises(Exception) as caught:
        await run_agent(boss, [], "go")

    assert "did not finish within" in str(caught.value)
