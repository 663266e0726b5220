"""The one small TTL cache the gateway uses for rows it reads per message but that change rarely (routes, gateway
settings, a webhook's instance, a WebSocket hello's agent, the WebSocket plane's config).

Why one: four hand-rolled copies each had to get the same details right — a bound on entries (unknown names sent
by clients must not grow memory), a lifetime read at use time (tests and operators change it; 0 turns caching
off), `peek` without loading (async code must not touch the database), and an invalidation that races a load
winning (a value read before a save must not be stored after it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")

MISS: Any = object()  # what `peek` returns when there is no fresh value


class TTLCache(Generic[V]):
    """key → value, each remembered for `ttl()` seconds. Values are shared between threads: never modify them."""

    def __init__(self, ttl: Callable[[], float], *, max_entries: int = 10_000) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()
        self._generation = 0

    def ttl(self) -> float:
        try:
            return float(self._ttl())
        except (TypeError, ValueError):
            return 0.0

    def peek(self, key: Hashable) -> V:
        """The fresh value for `key`, or MISS. Never loads (safe on an event loop)."""
        entry = self._entries.get(key)
        if entry is None or entry[0] <= time.monotonic() or self.ttl() <= 0:
            return MISS  # a lifetime turned to 0 (tests, operators) also ends what was cached under the old one
        return entry[1]

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        """The fresh value for `key`, else `load()`, remembered unless the cache was cleared while it loaded."""
        value = self.peek(key)
        if value is not MISS:
            return value
        with self._lock:
            generation = self._generation
        value = load()
        self.put(key, value, generation=generation)
        return value

    def put(self, key: Hashable, value: V, *, generation: int | None = None) -> None:
        life = self.ttl()
        if life <= 0:
            return
        with self._lock:
            if generation is not None and generation != self._generation:
                return  # cleared while the caller loaded: the value may predate a save
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + life, value)

    def clear(self, **_: object) -> None:
        """Forget everything (usable as a post_save/post_delete receiver)."""
        with self._lock:
            self._generation += 1
            self._entries.clear()
