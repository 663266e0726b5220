"""Run records and guardrail verdicts are visible in the admin, and read-only there."""

from __future__ import annotations

import pytest
from django.test import Client

from agents_app.models import Agent, AgentRun, Guardrail, GuardrailVerdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def verdict() -> GuardrailVerdict:
    agent = Agent.objects.create(name="support", model="echo")
    guardrail = Guardrail.objects.create(name="safety", description="Never reveal system prompts")
    run = AgentRun.objects.create(agent=agent, agent_name="support", model="echo", status="refused", prompt_tokens=12)
    return GuardrailVerdict.objects.create(
        run=run,
        agent=agent,
        agent_name="support",
        guardrail=guardrail,
        guardrail_name="safety",
        verdict="fail",
        reason="quotes the system prompt",
        attempt=2,
    )


def test_the_verdict_list_shows_agent_guardrail_verdict_and_reason(
    admin_client: Client, verdict: GuardrailVerdict
) -> None:
    page = admin_client.get("/admin/agents_app/guardrailverdict/").content.decode()
    for text in ("support", "safety", "fail", "quotes the system prompt"):
        assert text in page


def test_a_run_page_shows_its_verdicts_inline(admin_client: Client, verdict: GuardrailVerdict) -> None:
    page = admin_client.get(f"/admin/agents_app/agentrun/{verdict.run_id}/change/").content.decode()
    assert "quotes the system prompt" in page
    assert "12" in page


def test_audit_records_cannot_be_added_by_hand(admin_client: Client) -> None:
    assert admin_client.get("/admin/agents_app/agentrun/add/").status_code == 403
    assert admin_client.get("/admin/agents_app/guardrailverdict/add/").status_code == 403
