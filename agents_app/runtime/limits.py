"""The process-wide bound on concurrent model calls (settings.GATEWAY_MAX_CONCURRENT_QUERIES).

Callers run on different event loops: the ASGI server's loop, and a fresh loop per `async_to_sync` call in the
pipeline's worker threads. An asyncio.Semaphore belongs to one loop, so this is a small thread-safe semaphore whose
waiters are futures on their own loops: the bound holds across every loop and thread of the process. (Distributed
mode bounds each worker process the same way.)
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from types import TracebackType


class ProcessSemaphore:
    """A counting semaphore usable with `async with` from any event loop in any thread; FIFO for waiters."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._in_use = 0
        self._lock = threading.Lock()
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    @property
    def in_use(self) -> int:
        return self._in_use

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._in_use < self.limit and not self._waiters:
                self._in_use += 1
                return
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append((loop, waiter))
        try:
            await waiter
        except asyncio.CancelledError:
            with self._lock:
                if (loop, waiter) in self._waiters:
                    self._waiters.remove((loop, waiter))
                    raise
            if waiter.done() and not waiter.cancelled():
                self.release()  # the slot was handed to us just before the cancellation: pass it on
            raise  # otherwise _grant sees the cancelled future and passes the slot on itself

    def release(self) -> None:
        with self._lock:
            while self._waiters:
                loop, waiter = self._waiters.popleft()
                if loop.is_closed():
                    continue
                # The slot moves straight to the waiter; _in_use is unchanged.
                loop.call_soon_threadsafe(self._grant, waiter)
                return
            self._in_use -= 1

    def _grant(self, waiter: asyncio.Future[None]) -> None:
        if waiter.cancelled():
            self.release()
        else:
            waiter.set_result(None)

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


_current: ProcessSemaphore | None = None
_current_lock = threading.Lock()


def model_call_slot(limit: int) -> ProcessSemaphore:
    """The semaphore every model call acquires; replaced when the configured limit changes."""
    global _current
    current = _current
    if current is not None and current.limit == max(1, limit):
        return current
    with _current_lock:
        if _current is None or _current.limit != max(1, limit):
            _current = ProcessSemaphore(limit)
        return _current
