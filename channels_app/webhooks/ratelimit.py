"""Per-instance and per-sender rate limits: a sliding one-minute window per key, held in this process.

Why in-process: limits protect this process's work queue; with several server processes each enforces its
share. Options: `rate_limit` (deliveries per minute per instance, 0 = off → 429 so the platform slows down)
and `sender_rate_limit` (messages per minute per sender, 0 = off → stored as ignored, never answered).
"""

from __future__ import annotations

import threading
import time
from collections import deque

WINDOW = 60.0
DEFAULT_SENDER_LIMIT = 60


class SlidingWindow:
    """Counts hits per key over the last WINDOW seconds."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, limit: int, now: float | None = None) -> tuple[bool, float]:
        """(allowed, seconds until a slot frees). A limit of 0 or less means unlimited."""
        if limit <= 0:
            return True, 0.0
        current = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= current - WINDOW:
                hits.popleft()
            if len(hits) >= limit:
                return False, max(0.0, hits[0] + WINDOW - current)
            hits.append(current)
            if len(self._hits) > 100_000:  # forget idle keys rather than grow without bound
                self._hits = {k: v for k, v in self._hits.items() if v}
            return True, 0.0

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


instances = SlidingWindow()
senders = SlidingWindow()


def _limit(value: object, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def instance_allowed(name: str, options: dict) -> tuple[bool, float]:
    return instances.allow(name, _limit(options.get("rate_limit"), 0))


def sender_allowed(name: str, sender: str, options: dict) -> bool:
    if not sender:
        return True
    return senders.allow(f"{name}\x00{sender}", _limit(options.get("sender_rate_limit"), DEFAULT_SENDER_LIMIT))[0]
