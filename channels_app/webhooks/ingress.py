"""How many webhook requests this process is acknowledging right now, so background work can step aside.

Why: in the embedded mode the pipeline's worker threads share one interpreter lock with the event loop that
acknowledges webhooks. A worker busy in Python makes each acknowledgement wait for the lock, several times
per request. Acknowledgements are what a platform times out on; replies are already stored and can start a
few milliseconds later. So workers call `yield_to_acks()` between steps: it returns at once when no
acknowledgement is in flight, else waits until none is (bounded by GATEWAY_ACK_PRIORITY_WAIT seconds,
default 0.1, 0 = off, so a steady stream of deliveries slows replies but never stops them).
"""

from __future__ import annotations

import threading

from django.conf import settings

DEFAULT_WAIT = 0.1


class IngressGauge:
    """A counter of requests between arrival and acknowledgement, with an event set whenever it is zero."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()
        self._quiet = threading.Event()
        self._quiet.set()

    @property
    def in_flight(self) -> int:
        return self._count

    def enter(self) -> None:
        with self._lock:
            self._count += 1
            self._quiet.clear()

    def leave(self) -> None:
        with self._lock:
            self._count = max(0, self._count - 1)
            if self._count == 0:
                self._quiet.set()

    def wait_quiet(self, timeout: float) -> bool:
        """Wait until nothing is in flight, at most `timeout` seconds; True when quiet."""
        if self._quiet.is_set() or timeout <= 0:
            return self._quiet.is_set()
        return self._quiet.wait(timeout)


gauge = IngressGauge()


def yield_to_acks() -> None:
    """Let in-flight acknowledgements finish before this thread does more background work."""
    gauge.wait_quiet(_max_wait())


def _max_wait() -> float:
    """settings.GATEWAY_ACK_PRIORITY_WAIT (read from the environment once, in gatewaysite/settings.py)."""
    return float(settings.GATEWAY_ACK_PRIORITY_WAIT)
