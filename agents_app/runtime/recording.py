"""Writes the audit trail of a run: one AgentRun (usage, tools, outcome) and its GuardrailVerdict rows."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.db import transaction

from agents_app.models import Agent, AgentRun, GuardrailVerdict
from agents_app.runtime import delegation
from agents_app.runtime.guardrails import Rule
from agents_app.runtime.types import GuardrailCheck, ToolCallRecord, Usage
from gatewaysite import fastsql


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
    # savepoint=False: inside the door's transaction (save_runs) a savepoint would only add two round trips per
    # turn; nothing here catches an error, so a failure rolls back the door's whole write either way.
    with transaction.atomic(savepoint=False):
        run = AgentRun(
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
        fastsql.insert_objects([run])  # one fixed statement per run (gatewaysite/fastsql.py says why)
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


_save_in_thread = sync_to_async(_save, thread_sensitive=True)

# Set by a caller that stores the turn itself (routing's turn service): a finished run's record joins that caller's
# write instead of costing its own transaction — and, on the WebSocket plane, its own hop to a database thread.
_deferred: ContextVar[list[RunRecord] | None] = ContextVar("agents_app_deferred_run_records", default=None)


@contextlib.contextmanager
def deferring(into: list[RunRecord]) -> Iterator[None]:
    """Within the block, records of runs that finished (ok or refused) are appended to `into` for the caller to store
    with `save_runs` in its own transaction; a failed or aborted run is still recorded at once (its caller may never
    reach that write). Records come in the order the runs finished (a delegate's before its parent's)."""
    token = _deferred.set(into)
    try:
        yield
    finally:
        _deferred.reset(token)


async def save_run(record: RunRecord) -> AgentRun | None:
    pending = _deferred.get()
    if pending is not None and record.status != AgentRun.Status.ERROR:
        pending.append(record)
        return None
    return await _save_in_thread(record)


def save_runs(records: list[RunRecord]) -> None:
    """Store deferred records (sync; inside the caller's transaction) and forget them."""
    for record in records:
        _save(record)
    records.clear()
