"""Which enabled channel instance a webhook URL names, remembered briefly so the ack path skips a query.

Why a cache: every delivery used to start with a database read (and, under ASGI, a hop to a worker thread
to make it). The instance row changes rarely; a save or delete in this process drops the entry at once
(signals), and the short TTL (settings.GATEWAY_INSTANCE_CACHE_SECONDS, default 2 s, 0 = off) bounds how
long another process's edit — a disabled instance, a rotated secret reference — takes to be seen here.
Credentials stay `${VAR}` references: the adapter resolves them at the moment of use, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from channels_app.adapters import Adapter, get_adapter
from channels_app.models import ChannelInstance
from gatewaysite.ttl_cache import MISS, TTLCache


@dataclass(frozen=True)
class Resolved:
    """An enabled instance and its adapter, or neither (unknown, disabled, or no adapter: all 404)."""

    instance: ChannelInstance | None
    adapter: Adapter | None

    @property
    def found(self) -> bool:
        return self.instance is not None and self.adapter is not None


class InstanceCache:
    """name → Resolved; misses included, so a flood to an unknown name costs one query per TTL."""

    def __init__(self) -> None:
        self._cache: TTLCache[Resolved] = TTLCache(lambda: settings.GATEWAY_INSTANCE_CACHE_SECONDS)

    def cached(self, name: str) -> Resolved | None:
        """The remembered answer, or None when it must be looked up (no database access here)."""
        hit = self._cache.peek(name)
        return None if hit is MISS else hit

    def load(self, name: str) -> Resolved:
        """Read the instance from the database (sync) and remember the answer."""
        return self._cache.get(name, lambda: _read(name))

    def invalidate(self) -> None:
        """Forget everything (any instance saved or deleted: renames make per-name eviction unsafe)."""
        self._cache.clear()


def _read(name: str) -> Resolved:
    instance = ChannelInstance.objects.filter(name=name, enabled=True).first()
    adapter = get_adapter(instance) if instance is not None else None
    return Resolved(instance if adapter is not None else None, adapter)


instances = InstanceCache()


@receiver(post_save, sender=ChannelInstance, dispatch_uid="webhooks-instance-cache-save")
@receiver(post_delete, sender=ChannelInstance, dispatch_uid="webhooks-instance-cache-delete")
def _forget(**_: object) -> None:
    instances.invalidate()
