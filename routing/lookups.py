"""Rows the pipeline reads for every message but that change rarely — an instance's routes and the gateway
settings — remembered for a moment so a message does not query them each time.

Why: every query is a round trip that holds the interpreter lock (and on SQLite waits for the one writer), and
reply throughput follows the per-message query count (bench/webhook_load.py). A save or delete in this process
clears the cache at once (signals); other processes, and bulk `update()`s that send no signal, are seen within
settings.GATEWAY_ROUTE_CACHE_SECONDS (default 2 s; 0 turns the cache off). The cached objects are shared between
worker threads: read them, never modify them.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from agents_app.models import Agent, ProviderSettings
from channels_app.models import ChannelInstance, GatewaySettings
from routing.models import RoutingRule

DEFAULT_TTL = 2.0
T = TypeVar("T")

_entries: dict[tuple[object, ...], tuple[float, object]] = {}
_guard = threading.Lock()


def ttl() -> float:
    value = getattr(settings, "GATEWAY_ROUTE_CACHE_SECONDS", None)
    if value is None:
        value = os.environ.get("GATEWAY_ROUTE_CACHE_SECONDS", DEFAULT_TTL)
    try:
        return float(value)
    except (TypeError, ValueError):
        return DEFAULT_TTL


def remembered(key: tuple[object, ...], load: Callable[[], T]) -> T:
    """The fresh cached value for `key`, else `load()` (remembered for ttl() seconds)."""
    life = ttl()
    if life <= 0:
        return load()
    hit = _entries.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]  # type: ignore[return-value]
    with _guard:
        generation = _generation[0]
    value = load()
    with _guard:
        if generation == _generation[0]:  # a save while we loaded makes our value stale: do not keep it
            if len(_entries) > 10_000:
                _entries.clear()
            _entries[key] = (time.monotonic() + life, value)
    return value


_generation = [0]


def clear(**_: object) -> None:
    with _guard:
        _entries.clear()
        _generation[0] += 1


def gateway_settings() -> GatewaySettings:
    """GatewaySettings.load(), remembered briefly (session timeout and message cap are read per message)."""
    return remembered(("gateway-settings",), GatewaySettings.load)


for _model in (Agent, ProviderSettings, RoutingRule, ChannelInstance, GatewaySettings):
    post_save.connect(clear, sender=_model, dispatch_uid=f"routing.lookups.clear.save.{_model.__name__}")
    post_delete.connect(clear, sender=_model, dispatch_uid=f"routing.lookups.clear.delete.{_model.__name__}")
