"""How many pipeline workers run Python at once; a worker waiting on the model gives its place up meanwhile.

Why: a worker thread holds its turn from claim to delivery, and most of that time it waits — on the model above
all (seconds, for a real one). So the pool needs many threads for turns to overlap (GATEWAY_WORKERS), but in one
interpreter every thread that is *running* competes for the one lock with the event loop that acknowledges
webhooks and with each other. Measured with ../shared/peers/agentix/bench_webhook.py (2,000 Slack deliveries, 50
concurrent, instant HTTP model): 8 threads all free to run gave 1,057–1,120 acks/s and 94–109 replies/s; 2–3
running gave 1,507–1,583 acks/s and 128–143 replies/s. With a 500 ms model the thread count, not the CPU, bounds
replies (8 threads: 15 replies/s). Hence many threads, few of them running: a worker takes a slot
(GATEWAY_ACTIVE_WORKERS, default 2) for its database and delivery steps and hands it back while the agent runs.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings


class Slots:
    """A counting semaphore kept as a queue of tokens: taking and giving back a slot are one call into C each.

    Why not threading.Semaphore: it waits on a Condition written in Python, which allocates a lock for every wait
    and wakes the waiter from Python; a worker gives its slot up and takes it back around every model call and
    platform request, and that bookkeeping was 5.7 % of the embedded server's samples (py-spy --gil,
    bench/webhook_load.py, 3,000 deliveries)."""

    def __init__(self, size: int) -> None:
        self._tokens: queue.SimpleQueue[None] = queue.SimpleQueue()
        for _ in range(size):
            self._tokens.put(None)

    def acquire(self) -> None:
        self._tokens.get()

    def release(self) -> None:
        self._tokens.put(None)


_guard = threading.Lock()
_semaphore: Slots | None = None
_size = 0
_local = threading.local()


def _current() -> Slots:
    global _semaphore, _size
    size = max(1, int(settings.GATEWAY_ACTIVE_WORKERS))
    with _guard:
        if _semaphore is None or size != _size:  # sized at first use; tests may change the setting
            _semaphore, _size = Slots(size), size
        return _semaphore


@contextmanager
def active() -> Iterator[None]:
    """Run the block in a slot (re-entrant within a thread)."""
    if getattr(_local, "held", None) is not None:
        yield
        return
    semaphore = _current()
    semaphore.acquire()
    _local.held = semaphore
    try:
        yield
    finally:
        _local.held = None
        semaphore.release()


@contextmanager
def waiting() -> Iterator[None]:
    """Give this thread's slot up for the block (a wait on the model), then take one again."""
    semaphore = getattr(_local, "held", None)
    if semaphore is None:
        yield
        return
    _local.held = None
    semaphore.release()
    try:
        yield
    finally:
        semaphore.acquire()
        _local.held = semaphore
