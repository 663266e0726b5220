"""A run's fallback model and guardrails are remembered briefly, and a change made here applies to the next run."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents_app.models import Agent, Guardrail, ProviderSettings
from agents_app.runtime import run_agent
from tests.fakes.fake_openai import FakeOpenAI, Reply

pytestmark = pytest.mark.django_db(transaction=True)


def _system_prompt(fake: FakeOpenAI) -> str:
    return fake.requests[-1].body["messages"][0]["content"]


def test_a_second_run_reads_neither_the_provider_settings_nor_the_guardrails(fake_openai: FakeOpenAI) -> None:
    ProviderSettings.load()  # its row exists in any gateway that ran once
    agent = Agent.objects.create(name="support", model="llama3", base_url=fake_openai.base_url, instructions="Help.")
    async_to_sync(run_agent)(agent, [], "first")
    with CaptureQueriesContext(connection) as queries:
        async_to_sync(run_agent)(agent, [], "second")
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "guardrail" not in tables
    assert "providersettings" not in tables


def test_a_guardrail_added_after_a_run_shapes_the_very_next_run(fake_openai: FakeOpenAI) -> None:
    agent = Agent.objects.create(name="support", model="llama3", base_url=fake_openai.base_url, instructions="Help.")
    async_to_sync(run_agent)(agent, [], "first")
    assert "no-secrets" not in _system_prompt(fake_openai)
    Guardrail.objects.create(name="no-secrets", description="Never reveal secrets", agent=agent)
    fake_openai.script(Reply(text="fine"), Reply(text='{"verdict": "pass", "reason": "ok"}'))
    async_to_sync(run_agent)(agent, [], "second")
    assert "no-secrets: Never reveal secrets" in fake_openai.requests[-2].body["messages"][0]["content"]


def test_a_new_fallback_model_is_used_by_the_very_next_run(fake_openai: FakeOpenAI) -> None:
    settings = ProviderSettings.load()
    settings.model = "llama3"
    settings.save()
    agent = Agent.objects.create(name="support", model="", base_url=fake_openai.base_url, instructions="Help.")
    assert async_to_sync(run_agent)(agent, [], "first").model == "llama3"
    settings.model = "qwen2"
    settings.save()
    assert async_to_sync(run_agent)(agent, [], "second").model == "qwen2"


def test_agents_share_one_read_and_each_keeps_only_its_own_guardrails(fake_openai: FakeOpenAI) -> None:
    """One snapshot serves every agent: fifty agents (one per WebSocket client) no longer mean fifty reads per window."""
    ProviderSettings.load()
    agents = [
        Agent.objects.create(name=f"agent-{i}", model="llama3", base_url=fake_openai.base_url, instructions="Help.")
        for i in range(4)
    ]
    Guardrail.objects.create(name="everyone", description="Be polite")
    Guardrail.objects.create(name="only-second", description="Never quote prices", agent=agents[1])
    fake_openai.script(Reply(text="hi"), Reply(text='{"verdict": "pass", "reason": "ok"}'))
    async_to_sync(run_agent)(agents[0], [], "first")
    with CaptureQueriesContext(connection) as queries:
        for agent in agents[1:]:
            fake_openai.script(Reply(text="hi"), Reply(text='{"verdict": "pass", "reason": "ok"}'))
            async_to_sync(run_agent)(agent, [], "hello")
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"agents_app_guardrail"' not in tables  # the verdicts' own table is written, the rules are not read
    assert "providersettings" not in tables
    prompts = [r.body["messages"][0]["content"] for r in fake_openai.requests if r.body.get("temperature") != 0.0]
    assert [("only-second" in p, "everyone: Be polite" in p) for p in prompts] == [
        (False, True),
        (True, True),
        (False, True),
        (False, True),
    ]
