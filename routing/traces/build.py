"""One conversation turn, end to end, as a timeline: what came in, how it was routed, which session, each agent run
(input, output, tools, guardrail verdicts, tokens, cost), each outbound chunk with its attempts, and the time
between steps.

A turn is keyed by what started it: an inbound platform event (`event-<id>`) or, for turns without one (web chat,
the REST chat endpoint, the CLI), the agent run itself (`run-<id>`). The same dict feeds the operator page and the
API, so both always show the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from agents_app.models import AgentRun, ModelPrice
from agents_app.pricing import cost_of
from channels_app.models import InboundEvent, OutboundMessage
from routing.models import RoutingRule, Session, SessionMessage


class TraceNotFound(LookupError):
    """The id names no inbound event or agent run."""


@dataclass(frozen=True)
class TraceId:
    """`event-12` or `run-7`: what started the turn."""

    kind: str
    pk: int

    @classmethod
    def parse(cls, text: str) -> TraceId:
        kind, _, number = text.partition("-")
        if kind not in ("event", "run") or not number.isdigit():
            raise TraceNotFound(f"not a trace id: {text!r} (expected event-<id> or run-<id>)")
        return cls(kind, int(number))

    def __str__(self) -> str:
        return f"{self.kind}-{self.pk}"


def trace_id_for_run(run: AgentRun) -> str:
    """The trace a run belongs to: its inbound event's when it answered one, else its own."""
    event = (run.context or {}).get("inbound_event")
    return f"event-{event}" if str(event or "").isdigit() else f"run-{run.pk}"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _message_text(event: InboundEvent) -> str:
    return str(((event.payload or {}).get("message") or {}).get("text") or "")


def _run_dict(run: AgentRun, prices: list[ModelPrice]) -> dict[str, Any]:
    cost = cost_of(run.model, run.prompt_tokens, run.completion_tokens, prices)
    started = run.created_at - timedelta(milliseconds=run.duration_ms)
    return {
        "id": run.pk,
        "agent": run.agent_name,
        "model": run.model,
        "provider": run.provider,
        "status": run.status,
        "error": run.error,
        "input": run.input_text,
        "output": run.output_text,
        "tool_calls": run.tool_calls,
        "guardrail_verdicts": [
            {"guardrail": v.guardrail_name, "verdict": v.verdict, "reason": v.reason, "attempt": v.attempt}
            for v in sorted(run.guardrail_verdicts.all(), key=lambda v: (v.attempt, v.pk))
        ],
        "prompt_tokens": run.prompt_tokens,
        "completion_tokens": run.completion_tokens,
        "model_calls": run.model_calls,
        "cost": str(cost.amount) if cost.priced else None,
        "currency": cost.currency,
        "duration_ms": run.duration_ms,
        "started_at": _iso(started),
        "finished_at": _iso(run.created_at),
        "route": (run.context or {}).get("route", ""),
        "context": run.context,
    }


def _outbound_dict(row: OutboundMessage) -> dict[str, Any]:
    return {
        "id": row.pk,
        "seq": row.seq,
        "status": row.status,
        "attempts": row.attempts,
        "platform_message_id": row.platform_message_id,
        "delivery_status": row.delivery_status,
        "error": row.error,
        "text": row.text,
        "chat_id": row.chat_id,
        "thread_id": row.thread_id,
        "created_at": _iso(row.created_at),
        "sent_at": _iso(row.sent_at),
        "sent_by": row.idempotency_key.split(":", 1)[0],
    }


def _session_dict(session: Session | None) -> dict[str, Any] | None:
    if session is None:
        return None
    return {
        "id": session.pk,
        "key": session.key,
        "kind": session.kind,
        "agent": session.agent.name if session.agent_id else "",
        "created_at": _iso(session.created_at),
        "closed_at": _iso(session.closed_at),
        "takeover": (session.metadata or {}).get("takeover"),
    }


def _routing_for(event: InboundEvent, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The rule that matched, as recorded with the run; for older runs, what the rules say now (marked so)."""
    recorded = next((r["route"] for r in runs if r["route"]), "")
    if recorded:
        return {"context": event.context, "rule": recorded, "agent": runs[0]["agent"], "recorded": True}
    rules = {
        r.context: r.agent.name for r in RoutingRule.objects.filter(instance=event.instance).select_related("agent")
    }
    for key in (event.context, RoutingRule.Context.DEFAULT):
        if key in rules:
            return {"context": event.context, "rule": f"rule:{key}", "agent": rules[key], "recorded": False}
    return {"context": event.context, "rule": "fallback", "agent": "", "recorded": False}


def _step(kind: str, at: str | None, title: str, **detail: Any) -> dict[str, Any]:
    return {"kind": kind, "at": at, "title": title, **detail}


def _with_gaps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each step gets `after_ms`: the time since the previous step that has a time."""
    previous: datetime | None = None
    for step in steps:
        at = datetime.fromisoformat(step["at"]) if step["at"] else None
        step["after_ms"] = int((at - previous).total_seconds() * 1000) if at and previous else None
        previous = at or previous
    return steps


def _event_trace(event: InboundEvent) -> dict[str, Any]:
    prices = list(ModelPrice.objects.all())
    runs = [
        _run_dict(run, prices)
        for run in AgentRun.objects.filter(context__inbound_event=event.pk)
        .prefetch_related("guardrail_verdicts")
        .order_by("created_at", "id")
    ]
    outbound = [_outbound_dict(row) for row in OutboundMessage.objects.filter(inbound=event).order_by("seq", "id")]
    turn = SessionMessage.objects.filter(metadata__inbound_event=event.pk).select_related("session").first()
    session = turn.session if turn else Session.objects.filter(key=event.conversation_key).first()
    routing = _routing_for(event, runs)
    message = (event.payload or {}).get("message") or {}
    steps = [
        _step(
            "inbound",
            _iso(event.received_at),
            f"received on {event.instance.name} ({event.instance.platform})",
            text=_message_text(event),
            sender=event.sender_id,
        ),
        _step("processing", _iso(event.started_at), f"processing started (attempt {event.attempts})"),
        _step("routing", None, f"routed by {routing['rule']} to {routing['agent'] or 'the provider fallback'}"),
    ]
    if session:
        steps.append(_step("session", None, f"session {session.key}"))
    for run in runs:
        steps.append(_step("agent_started", run["started_at"], f"agent {run['agent']} started ({run['model']})"))
        steps.append(
            _step("agent_finished", run["finished_at"], f"agent {run['agent']}: {run['status']}", run=run["id"])
        )
    for row in outbound:
        steps.append(_step("outbound", row["created_at"], f"chunk {row['seq']} stored", outbound=row["id"]))
        if row["sent_at"]:
            steps.append(
                _step(
                    "sent",
                    row["sent_at"],
                    f"chunk {row['seq']} sent after {row['attempts']} attempt(s) → {row['platform_message_id'] or '-'}",
                    outbound=row["id"],
                )
            )
    steps.append(_step("finished", _iso(event.finished_at), f"event {event.status}", error=event.error))
    return {
        "id": f"event-{event.pk}",
        "status": event.status,
        "error": event.error,
        "inbound": {
            "id": event.pk,
            "instance": event.instance.name,
            "platform": event.instance.platform,
            "event_type": event.event_type,
            "text": _message_text(event),
            "sender_id": event.sender_id,
            "chat_id": event.chat_id,
            "thread_id": event.thread_id,
            "context": event.context,
            "conversation_key": event.conversation_key,
            "dedupe_key": event.dedupe_key,
            "attempts": event.attempts,
            "message": message,
            "payload": event.payload,
            "received_at": _iso(event.received_at),
            "finished_at": _iso(event.finished_at),
        },
        "routing": routing,
        "session": _session_dict(session),
        "agent_runs": runs,
        "outbound": outbound,
        "steps": _with_gaps(steps),
    }


def _run_trace(run: AgentRun) -> dict[str, Any]:
    prices = list(ModelPrice.objects.all())
    data = _run_dict(run, prices)
    key = str((run.context or {}).get("session") or "")
    session = Session.objects.filter(key=key).select_related("agent").first() if key else None
    steps = [
        _step(
            "inbound", data["started_at"], f"message from {run.context.get('source', 'a client')}", text=data["input"]
        ),
        _step("agent_started", data["started_at"], f"agent {data['agent']} started ({data['model']})"),
        _step("agent_finished", data["finished_at"], f"agent {data['agent']}: {data['status']}", run=run.pk),
    ]
    return {
        "id": f"run-{run.pk}",
        "status": run.status,
        "error": run.error,
        "inbound": None,
        "routing": {"context": "", "rule": data["route"] or "direct", "agent": run.agent_name, "recorded": True},
        "session": _session_dict(session),
        "agent_runs": [data],
        "outbound": [],
        "steps": _with_gaps(steps),
    }


def build_trace(trace_id: str) -> dict[str, Any]:
    """The whole turn named by `trace_id`, JSON-ready; TraceNotFound when it names nothing."""
    parsed = TraceId.parse(trace_id)
    if parsed.kind == "event":
        event = InboundEvent.objects.select_related("instance").filter(pk=parsed.pk).first()
        if event is None:
            raise TraceNotFound(f"no inbound event {parsed.pk}")
        return _event_trace(event)
    run = AgentRun.objects.filter(pk=parsed.pk).prefetch_related("guardrail_verdicts").first()
    if run is None:
        raise TraceNotFound(f"no agent run {parsed.pk}")
    event_id = (run.context or {}).get("inbound_event")
    if str(event_id or "").isdigit() and InboundEvent.objects.filter(pk=int(event_id)).exists():
        return build_trace(f"event-{event_id}")
    return _run_trace(run)
