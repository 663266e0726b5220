"""Which enabled channel instance a webhook URL names, remembered briefly so the ack path skips a query.

Why a cache: every delivery used to start with a database read (and, under ASGI, a hop to a worker thread
to make it). The instance row changes rarely; a save or delete in this process drops the entry at once
(signals), and the short TTL (settings.GATEWAY_INSTANCE_CACHE_SECONDS, default 2 s, 0 = off) bounds how
long another process's edit — a disabled instance, a rotated secret reference — takes to be seen here.
Credentials stay `${VAR}` references: the adapter resolves them at the moment of use, as before.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from channels_app.adapters import Adapter, get_adapter
from channels_app.models import ChannelInstance

DEFAULT_TTL = 2.0


@dataclass(frozen=True)
class Resolved:
    """An enabled instance and its adapter, or neither (unknown, disabled, or no adapter: all 404)."""

    instance: ChannelInstance | None
    adapter: Adapter | None

    @property
    def found(self) -> bool:
        return self.instance is not None and self.adapter is not None


class InstanceCache:
    """name → (Resolved, expiry); misses included, so a flood to an unknown name costs one query per TTL."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[Resolved, float]] = {}
        self._lock = threading.Lock()
        self._generation = 0

    @staticmethod
    def ttl() -> float:
        value = getattr(settings, "GATEWAY_INSTANCE_CACHE_SECONDS", None)
        try:
            return DEFAULT_TTL if value is None else float(value)
        except (TypeError, ValueError):
            return DEFAULT_TTL

    def cached(self, name: str) -> Resolved | None:
        """The remembered answer, or None when it must be looked up (no database access here)."""
        with self._lock:
            entry = self._entries.get(name)
        if entry is None or entry[1] <= time.monotonic():
            return None
        return entry[0]

    def load(self, name: str) -> Resolved:
        """Read the instance from the database (sync) and remember the answer."""
        with self._lock:
            generation = self._generation
        instance = ChannelInstance.objects.filter(name=name, enabled=True).first()
        adapter = get_adapter(instance) if instance is not None else None
        resolved = Resolved(instance if adapter is not None else None, adapter)
        ttl = self.ttl()
        with self._lock:
            # An invalidation that raced this read wins: do not store a possibly stale row.
            if ttl > 0 and generation == self._generation:
                if len(self._entries) > 10_000:
                    self._entries.clear()  # bounded: unknown names cannot grow it without limit
                self._entries[name] = (resolved, time.monotonic() + ttl)
        return resolved

    def invalidate(self) -> None:
        """Forget everything (any instance saved or deleted: renames make per-name eviction unsafe)."""
        with self._lock:
            self._generation += 1
            self._entries.clear()


instances = InstanceCache()


@receiver(post_save, sender=ChannelInstance, dispatch_uid="webhooks-instance-cache-save")
@receiver(post_delete, sender=ChannelInstance, dispatch_uid="webhooks-instance-cache-delete")
def _forget(**_: object) -> None:
    instances.invalidate()
