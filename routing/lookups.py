"""Rows the pipeline reads for every message but that change rarely — an instance's routes and the gateway
settings — remembered for a moment so a message does not query them each time.

Why: every query is a round trip that holds the interpreter lock (and on SQLite waits for the one writer), and
reply throughput follows the per-message query count (bench/webhook_load.py). A save or delete in this process
clears the cache at once (signals); other processes, and bulk `update()`s that send no signal, are seen within
settings.GATEWAY_ROUTE_CACHE_SECONDS (default 2 s; 0 turns the cache off). The cached objects are shared between
worker threads: read them, never modify them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from agents_app.models import Agent, ProviderSettings
from channels_app.models import ChannelInstance, GatewaySettings
from gatewaysite.ttl_cache import TTLCache
from routing.models import RoutingRule

T = TypeVar("T")

_cache: TTLCache[object] = TTLCache(lambda: settings.GATEWAY_ROUTE_CACHE_SECONDS)


def remembered(key: tuple[object, ...], load: Callable[[], T]) -> T:
    """The fresh cached value for `key`, else `load()` (remembered for GATEWAY_ROUTE_CACHE_SECONDS)."""
    return _cache.get(key, load)  # type: ignore[return-value]


def clear(**_: object) -> None:
    _cache.clear()


def gateway_settings() -> GatewaySettings:
    """GatewaySettings.load(), remembered briefly (session timeout and message cap are read per message)."""
    return remembered(("gateway-settings",), GatewaySettings.load)


for _model in (Agent, ProviderSettings, RoutingRule, ChannelInstance, GatewaySettings):
    post_save.connect(clear, sender=_model, dispatch_uid=f"routing.lookups.clear.save.{_model.__name__}")
    post_delete.connect(clear, sender=_model, dispatch_uid=f"routing.lookups.clear.delete.{_model.__name__}")
