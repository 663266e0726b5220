"""Writes the audit trail of a run: one AgentRun (usage, tools, outcome) and its GuardrailVerdict rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.db import transaction

from agents_app.models import Agent, AgentRun, GuardrailVerdict
from agents_app.runtime import delegation
from agents_app.runtime.guardrails import Rule
from agents_app.runtime.types import GuardrailCheck, ToolCallRecord, Usage


@dataclass(slots=True)
class RunRecord:
    """Everything known about a run when it ends, successful or not."""

    agent: Agent
    model: str = ""
    provider: str = ""
    status: str = AgentRun.Status.OK
    error: str = ""
    usage: Usage = field(default_factory=Usage)
    model_calls: int = 0
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    verdicts: list[GuardrailCheck] = field(default_factory=list)
    rules: Sequence[Rule] = ()
    duration_ms: int = 0
    context: Mapping[str, Any] | None = None
    input_text: str = ""
    output_text: str = ""


def _json_safe(context: Mapping[str, Any] | None) -> dict[str, Any]:
    """Only plain values of the caller's context are stored."""
    safe: dict[str, Any] = {}
    for key, value in (context or {}).items():
        if isinstance(value, str | int | float | bool) or value is None:
            safe[str(key)] = value
        else:
            safe[str(key)] = str(value)
    return safe


def _save(record: RunRecord) -> AgentRun:
    agent = record.agent
    agent_id = agent.pk if agent.pk is not None else None
    with transaction.atomic():
        run = AgentRun.objects.create(
            agent_id=agent_id,
            agent_name=agent.name or "",
            model=record.model[:200],
            provider=record.provider,
            status=record.status,
            error=record.error[:2000],
            prompt_tokens=record.usage.prompt_tokens,
            completion_tokens=record.usage.completion_tokens,
            model_calls=record.model_calls,
            tool_calls=[{"name": t.name, "arguments": t.arguments, "error": t.error} for t in record.tool_calls],
            duration_ms=record.duration_ms,
            context=_json_safe(record.context),
            input_text=record.input_text,
            output_text=record.output_text,
        )
        if record.verdicts:
            ids = {rule.name: rule.id for rule in record.rules}
            GuardrailVerdict.objects.bulk_create(
                GuardrailVerdict(
                    run=run,
                    agent_id=agent_id,
                    agent_name=agent.name or "",
                    guardrail_id=ids.get(check.guardrail),
                    guardrail_name=check.guardrail,
                    verdict=check.verdict,
                    reason=check.reason[:2000],
                    attempt=check.attempt,
                )
                for check in record.verdicts
            )
        delegation.link_children(run.pk, record.context)
    return run


save_run = sync_to_async(_save, thread_sensitive=True)
