"""The WebSocket plane's database hops on a small pool of its own, off Channels' single shared database thread.

`database_sync_to_async` is thread-sensitive: every hop of every connection (and the agent runtime's, and admin
views') queues on one thread, so fifty clients each making a few hops per turn wait behind each other. Hops that
open and close their own connection and never rely on thread-affine state (each is one self-contained unit of work,
usually one transaction) can run on this pool instead.

Bounded on purpose: each pool thread holds one database connection (persistent on PostgreSQL, so a process adds
`GATEWAY_WS_DB_THREADS` connections), and SQLite has one writer at a time, so the embedded default is one thread —
that thread's writes then never fight each other for SQLite's lock, and still run beside the shared thread.

Not asgiref's SyncToAsync on a ThreadPoolExecutor any more: with 50 clients (bench/ws_load.py, two hops a turn) a
py-spy --gil profile put the hand-off itself at ~12 % of the server's GIL samples (~9 % on the loop, mostly
ThreadPoolExecutor.submit waking the worker, and ~3 % on the worker); with this pool it is ~2.5 %. A hop is queued
without a wake-up when a worker is already busy (it takes the next one itself), and results finished while the
loop was busy come back in one wake-up per burst (50 concurrent callers, a microbenchmark: 50-59 → 17 µs CPU per
hop). Semantics kept: the caller's contextvars, asgiref's main-loop thread-local (so AsyncToSync and the event
publisher inside a hop find the server's loop), exceptions raised in the caller, and a cancelled caller
withdrawing a hop no worker has started (one already running finishes, as before).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import os
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import connection

from gatewaysite.dbconn import keep_connections

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_pool: _HopPool | None = None
_guard = threading.Lock()


def pool_size() -> int:
    """settings.GATEWAY_WS_DB_THREADS; 0 (the default): 1 on SQLite, 4 on PostgreSQL."""
    value = int(settings.GATEWAY_WS_DB_THREADS or 0)
    if value > 0:
        return max(1, int(value))
    return 1 if connection.vendor == "sqlite" else 4


@dataclass(slots=True, eq=False)
class _Hop:
    """One call waiting for (or running on) a pool thread, and the future its caller awaits."""

    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    context: contextvars.Context
    func: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    withdrawn: bool = False

    def run(self) -> Any:
        local = SyncToAsync.threadlocal
        local.main_event_loop = self.loop
        local.main_event_loop_pid = _PID
        keep_connections()  # a pool thread keeps its connection between hops (gatewaysite/dbconn.py)
        try:
            return self.context.run(self.func, *self.args, **self.kwargs)
        finally:
            keep_connections()


_PID = os.getpid()


class _HopPool:
    """`size` daemon threads taking hops from one FIFO queue; results go back to each caller's loop in batches."""

    def __init__(self, size: int) -> None:
        self._queue: deque[_Hop] = deque()
        self._ready = threading.Condition()
        self._idle = 0  # workers waiting on `_ready`: only then does a submit need to wake one
        self._finished: dict[asyncio.AbstractEventLoop, list[tuple[_Hop, bool, Any]]] = {}
        self._finished_lock = threading.Lock()
        for index in range(size):
            threading.Thread(target=self._work, name=f"ws-db_{index}", daemon=True).start()

    def submit(self, hop: _Hop) -> None:
        with self._ready:
            self._queue.append(hop)
            if self._idle:
                self._ready.notify()

    def withdraw(self, hop: _Hop) -> None:
        """The caller was cancelled: a hop no worker has started is skipped; a started one runs to its end."""
        with self._ready:
            hop.withdrawn = True

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._queue:
                    self._idle += 1
                    try:
                        self._ready.wait()
                    finally:
                        self._idle -= 1
                hop = self._queue.popleft()
                if hop.withdrawn:
                    continue
            try:
                outcome: tuple[bool, Any] = (True, hop.run())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
                outcome = (False, exc)
            try:
                self._finish(hop, *outcome)
            except Exception:  # noqa: BLE001 - a worker that died would leave every later hop waiting forever
                log.exception("handing a database hop's result back failed")

    def _finish(self, hop: _Hop, ok: bool, value: Any) -> None:
        with self._finished_lock:
            batch = self._finished.setdefault(hop.loop, [])
            batch.append((hop, ok, value))
            if len(batch) > 1:
                return  # this loop's delivery is already scheduled and will take this result too
        try:
            hop.loop.call_soon_threadsafe(self._deliver, hop.loop)
        except RuntimeError:  # the caller's loop has closed (a test's, at its end): nobody awaits these
            with self._finished_lock:
                self._finished.pop(hop.loop, None)

    def _deliver(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._finished_lock:
            batch = self._finished.pop(loop, [])
        for hop, ok, value in batch:
            if hop.future.done():  # its caller was cancelled meanwhile
                continue
            if ok:
                hop.future.set_result(value)
            elif isinstance(value, StopIteration):  # a Future refuses it (it would end the awaiting coroutine)
                hop.future.set_exception(RuntimeError(f"StopIteration raised in {hop.func!r}"))
            else:
                hop.future.set_exception(value)


def _the_pool() -> _HopPool:
    global _pool
    if _pool is None:
        with _guard:
            if _pool is None:
                _pool = _HopPool(pool_size())
    return _pool


def pooled(func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """Like `database_sync_to_async(func)`, but on the WebSocket plane's own bounded pool."""

    @functools.wraps(func)
    async def hop(*args: P.args, **kwargs: P.kwargs) -> R:
        loop = asyncio.get_running_loop()
        call = _Hop(loop, loop.create_future(), contextvars.copy_context(), func, args, kwargs)
        pool = _the_pool()
        pool.submit(call)
        try:
            return await call.future
        except asyncio.CancelledError:
            pool.withdraw(call)
            raise

    return hop
