"""What a run reads before calling the model — the provider's fallback model and the agent's guardrails — remembered
for a moment, so a turn in a busy conversation does not query them (nor hop to a database thread) each time.

Why: on the WebSocket plane the runtime's read is a hop to Channels' one shared database thread, queued behind every
other connection's hops; in the channel pipeline it is two queries per message. Both rows change rarely. A save or
delete in this process clears the cache at once (signals); other processes, and bulk `update()`s that send no
signal, are seen within settings.GATEWAY_ROUTE_CACHE_SECONDS (default 2 s, the pipeline's route cache; 0 = off).
The cached rules are shared between threads: read them, never modify them.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from agents_app.models import Agent, Guardrail, ProviderSettings
from agents_app.runtime import guardrails

DEFAULT_TTL = 2.0

_entries: dict[int | None, tuple[float, str, list[guardrails.Rule]]] = {}
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
    """(model, rules) for `agent` when fresh in the cache, else None (the caller then runs `load`)."""
    hit = _entries.get(agent.pk)
    if hit is None or hit[0] <= time.monotonic() or agent.pk is None:
        return None
    return _model_of(agent, hit[1]), hit[2]


def load(agent: Agent) -> tuple[str, list[guardrails.Rule]]:
    """Read (model, rules) from the database and remember them for ttl() seconds (synchronous: a database hop)."""
    with _guard:
        generation = _generation[0]
    fallback = (ProviderSettings.load().model or "").strip()
    rules = guardrails.applicable_rules(agent)
    life = ttl()
    if life > 0 and agent.pk is not None:
        with _guard:
            if generation == _generation[0]:  # a save while we read makes our values stale: do not keep them
                if len(_entries) > 10_000:
                    _entries.clear()
                _entries[agent.pk] = (time.monotonic() + life, fallback, rules)
    return _model_of(agent, fallback), rules


def clear(**_: object) -> None:
    with _guard:
        _entries.clear()
        _generation[0] += 1


for _model in (Agent, Guardrail, ProviderSettings):
    post_save.connect(clear, sender=_model, dispatch_uid=f"agents_app.runtime.prepared.save.{_model.__name__}")
    post_delete.connect(clear, sender=_model, dispatch_uid=f"agents_app.runtime.prepared.delete.{_model.__name__}")
