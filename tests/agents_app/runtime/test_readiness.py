"""agent_problems: what would stop an agent from answering, without calling its model."""

from __future__ import annotations

import pytest

from agents_app.models import Agent, ProviderSettings
from agents_app.runtime import agent_problems

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)


def test_an_offline_agent_with_built_in_tools_is_ready() -> None:
    assert agent_problems(Agent(name="demo", model="echo", tools=["search_web", "get_weather"])) == []


def test_it_names_the_missing_key_the_unknown_tool_and_the_disabled_flag() -> None:
    agent = Agent(name="support", model="gpt-4o-mini", tools=["search_the_web"], enabled=False)
    problems = agent_problems(agent)
    assert problems[0] == "the agent is disabled"
    assert "OPENAI_API_KEY" in problems[1]
    assert "unknown tool 'search_the_web'" in problems[2]


def test_a_key_in_the_environment_makes_it_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant")
    assert agent_problems(Agent(name="sales", model="claude-3-5-sonnet-20241022")) == []


def test_an_agent_without_model_is_judged_on_the_fallback() -> None:
    assert agent_problems(Agent(name="x")) == ["no model, and no provider fallback model is set"]
    fallback = ProviderSettings.load()
    fallback.model = "echo"
    fallback.save()
    assert agent_problems(Agent(name="x")) == []
