"""What a run reads before calling the model — the provider's fallback model and the guardrails — remembered for a
moment, so a turn does not query them (nor hop to a database thread) each time.

Why: on the WebSocket plane the runtime's read is a hop to Channels' one shared database thread, queued behind every
other connection's hops; in the channel pipeline it is two queries per message. Both change rarely. One snapshot
serves every agent of the process — the fallback model and every enabled guardrail with its scope — and each agent's
rules are picked from it in memory. Why one for all: kept per agent, fifty agents (one per WebSocket client, the
peers' bench_ws.py, 50 clients × 80 messages) meant fifty reads every window, and the shared database thread that
runs them held 5.6 % of the server's samples (py-spy); with one snapshot, 0.8 %.

A save or delete in this process drops the snapshot at once (signals); other processes, and bulk `update()`s that
send no signal, are seen within settings.GATEWAY_ROUTE_CACHE_SECONDS (default 2 s, the pipeline's route cache; 0 =
off). The cached rules are shared between threads: read them, never modify them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from agents_app.models import Agent, Guardrail, ProviderSettings
from agents_app.runtime import guardrails

DEFAULT_TTL = 2.0


@dataclass(slots=True)
class _Snapshot:
    """The fallback model and the enabled guardrails as read at one moment, and each agent's rules picked from them."""

    expires: float
    fallback: str
    rules: Sequence[tuple[int | None, guardrails.Rule]]
    per_agent: dict[int | None, list[guardrails.Rule]] = field(default_factory=dict)

    def rules_for(self, agent: Agent) -> list[guardrails.Rule]:
        picked = self.per_agent.get(agent.pk)
        if picked is None:  # two threads may both pick: same value, either one is kept
            picked = self.per_agent[agent.pk] = guardrails.rules_for(agent, self.rules)
        return picked


_snapshot: _Snapshot | None = None
_guard = threading.Lock()
_generation = [0]


def ttl() -> float:
    value = getattr(settings, "GATEWAY_ROUTE_CACHE_SECONDS", DEFAULT_TTL)  # read once in gatewaysite/settings.py
    try:
        return float(value)
    except (TypeError, ValueError):
        return DEFAULT_TTL


def _model_of(agent: Agent, fallback: str) -> str:
    return (agent.model or "").strip() or fallback


def cached(agent: Agent) -> tuple[str, list[guardrails.Rule]] | None:
    """(model, rules) for `agent` when the snapshot is fresh, else None (the caller then runs `load`)."""
    snapshot = _snapshot
    if snapshot is None or snapshot.expires <= time.monotonic():
        return None
    return _model_of(agent, snapshot.fallback), snapshot.rules_for(agent)


def load(agent: Agent) -> tuple[str, list[guardrails.Rule]]:
    """Read a new snapshot, keep it for ttl() seconds, and answer (model, rules) for `agent` from it (synchronous: a
    database hop)."""
    global _snapshot
    with _guard:
        generation = _generation[0]
    life = ttl()
    snapshot = _Snapshot(
        expires=time.monotonic() + life,
        fallback=(ProviderSettings.load().model or "").strip(),
        rules=guardrails.enabled_rules(),
    )
    if life > 0:
        with _guard:
            if generation == _generation[0]:  # a save while we read makes our values stale: do not keep them
                _snapshot = snapshot
    return _model_of(agent, snapshot.fallback), snapshot.rules_for(agent)


def clear(**_: object) -> None:
    global _snapshot
    with _guard:
        _snapshot = None
        _generation[0] += 1


for _model in (Agent, Guardrail, ProviderSettings):
    post_save.connect(clear, sender=_model, dispatch_uid=f"agents_app.runtime.prepared.save.{_model.__name__}")
    post_delete.connect(clear, sender=_model, dispatch_uid=f"agents_app.runtime.prepared.delete.{_model.__name__}")
