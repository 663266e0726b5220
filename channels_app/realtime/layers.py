"""The embedded mode's channel layer: Channels' in-memory layer with its expiry sweep throttled.

The stock InMemoryChannelLayer walks every channel queue and every group member on each receive() and group_send(),
so one publish to N subscribers costs O(N²) with N sockets open (measured: ~0.8 s p50 for 1,000 subscribers).
Sweeping at most every `clean_interval` seconds keeps expiry semantics (messages still expire, only a little later)
and makes fan-out linear.
"""

from __future__ import annotations

import time
from typing import Any

from channels.layers import InMemoryChannelLayer


class ThrottledInMemoryChannelLayer(InMemoryChannelLayer):
    """InMemoryChannelLayer whose expiry sweep runs at most every `clean_interval` seconds."""

    def __init__(self, clean_interval: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clean_interval = clean_interval
        self._last_clean = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_clean < self.clean_interval:
            return
        self._last_clean = now
        super()._clean_expired()
