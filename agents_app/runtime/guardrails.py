"""Guardrails: the rules added to an agent's instructions, and the judge call that checks an answer against them.

One judge call covers every applicable rule and answers JSON with one verdict per rule. An unreadable judge answer
fails closed (every rule "fail"), because delivering an unchecked answer is worse than a retry or a refusal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from agents_app.models import Agent, Guardrail
from agents_app.runtime.providers.base import Message, ModelRequest
from agents_app.runtime.types import GuardrailCheck

JUDGE_SYSTEM = (
    "You are a strict compliance judge. You are given numbered rules, a user's message and an assistant's response. "
    "Decide for each rule whether the response follows it. Answer with JSON only, no prose, in exactly this shape: "
    '{"results": [{"guardrail": "<rule name>", "verdict": "pass" or "fail", "reason": "<one sentence>"}]}'
)
RULES_HEADER = "Rules you must always follow (an answer that breaks one is not delivered):"
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Rule:
    """A guardrail as the runtime uses it: plain values, detached from the ORM."""

    id: int | None
    name: str
    description: str


def enabled_rules() -> list[tuple[int | None, Rule]]:
    """Every enabled guardrail with the agent it is scoped to (None: every agent), by name.

    Synchronous: the runtime reads them in one database hop and picks each agent's own (agents_app/runtime/prepared.py).
    """
    query = Guardrail.objects.filter(enabled=True).order_by("name").values_list("agent_id", "id", "name", "description")
    return [(row[0], Rule(id=row[1], name=row[2], description=row[3])) for row in query]


def rules_for(agent: Agent, rules: Sequence[tuple[int | None, Rule]]) -> list[Rule]:
    """The rules of `enabled_rules()` that apply to `agent`: those scoped to it and those scoped to every agent (an
    unsaved, transient agent gets only the latter), still by name."""
    return [rule for scope, rule in rules if scope is None or (agent.pk is not None and scope == agent.pk)]


def compose_instructions(instructions: str, rules: Sequence[Rule]) -> str:
    """The system prompt: the agent's instructions, then every rule as a bullet."""
    if not rules:
        return instructions
    bullets = "\n".join(f"- {rule.name}: {rule.description}" for rule in rules)
    return f"{instructions}\n\n{RULES_HEADER}\n{bullets}".strip()


def judge_request(model: str, rules: Sequence[Rule], user_message: str, answer: str) -> ModelRequest:
    """The judge call: same model as the agent, no tools, temperature 0."""
    numbered = "\n".join(f"{i}. {rule.name}: {rule.description}" for i, rule in enumerate(rules, 1))
    content = f"Rules:\n{numbered}\n\nUser message:\n{user_message}\n\nAssistant response to check:\n{answer}"
    return ModelRequest(
        model=model,
        system=JUDGE_SYSTEM,
        messages=[Message(role="user", content=content)],
        temperature=0.0,
        max_tokens=400,
        purpose="judge",
    )


def parse_verdicts(text: str, rules: Sequence[Rule], attempt: int) -> list[GuardrailCheck]:
    """One GuardrailCheck per rule from the judge's JSON; rules the judge did not mention follow its overall verdict
    (or pass, when the judge named the one rule its verdict is about)."""
    match = _JSON_OBJECT.search(text or "")
    try:
        data = json.loads(match.group(0)) if match else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        reason = "the judge's answer was not valid JSON"
        return [GuardrailCheck(rule.name, False, reason, attempt) for rule in rules]
    by_name: dict[str, tuple[bool, str]] = {}
    for item in data.get("results") or []:
        if isinstance(item, dict) and isinstance(item.get("guardrail"), str):
            by_name[item["guardrail"]] = (_passed(item.get("verdict")), str(item.get("reason", "")))
    overall = (_passed(data.get("verdict", "pass" if by_name else "fail")), str(data.get("reason", "")))
    named = data.get("guardrail")
    if isinstance(named, str) and named in {rule.name for rule in rules} and not by_name:
        # {"verdict": "fail", "guardrail": "pii", ...}: the verdict is about that rule; the judge cleared the others.
        by_name[named] = overall
        overall = (True, f"the judge's verdict named only {named!r}")
    checks = []
    for rule in rules:
        passed, reason = by_name.get(rule.name, overall)
        checks.append(GuardrailCheck(rule.name, passed, reason or ("ok" if passed else "rule broken"), attempt))
    return checks


def feedback_message(failed: Sequence[GuardrailCheck]) -> str:
    """What the model is told before its one retry."""
    reasons = "\n".join(f"- {check.guardrail}: {check.reason}" for check in failed)
    return (
        "Your previous answer was not delivered because it broke these rules:\n"
        f"{reasons}\n"
        "Answer the original message again, following every rule."
    )


def _passed(verdict: object) -> bool:
    return isinstance(verdict, str) and verdict.strip().lower() in ("pass", "passed", "ok", "true", "yes")
