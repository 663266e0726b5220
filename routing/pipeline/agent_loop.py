"""One long-lived event loop per worker process for agent turns, instead of a new loop (and thread) per turn.

Why: `async_to_sync(run_agent)` from a pipeline worker thread starts a thread and an event loop for every message
and tears both down after it, and the provider SDK clients are per loop (agents_app/runtime/providers/clients.py),
so each turn also opened a new HTTP pool to the model provider. Here one daemon thread runs one loop for the life
of the process; turns from every worker thread are scheduled on it and keep the provider connections alive.

The runtime's database work (sync_to_async, thread-sensitive) still runs in the calling worker thread, on that
thread's own connection: asgiref's AsyncToSync, when the thread names a "main event loop", schedules the coroutine
there and serves the coroutine's thread-sensitive calls in the waiting thread — the arrangement SyncToAsync itself
sets up for threads it starts. A forked child (Celery prefork) gets its own loop on first use.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from asgiref.sync import AsyncToSync, SyncToAsync

P = ParamSpec("P")
R = TypeVar("R")

_guard = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_pid = 0


def loop() -> asyncio.AbstractEventLoop:
    """This process's agent loop, started on first use."""
    global _loop, _pid
    with _guard:
        if _loop is None or _pid != os.getpid() or _loop.is_closed():
            ready = threading.Event()
            new_loop = asyncio.new_event_loop()

            def serve() -> None:
                asyncio.set_event_loop(new_loop)
                new_loop.call_soon(ready.set)
                new_loop.run_forever()

            threading.Thread(target=serve, name="agent-loop", daemon=True).start()
            ready.wait()
            _loop, _pid = new_loop, os.getpid()
        return _loop


def run(func: Callable[P, Awaitable[R]], *args: P.args, **kwargs: P.kwargs) -> R:
    """`async_to_sync(func)(*args, **kwargs)` on the process's agent loop (call from a thread with no running loop)."""
    local = SyncToAsync.threadlocal
    saved = (getattr(local, "main_event_loop", None), getattr(local, "main_event_loop_pid", None))
    local.main_event_loop, local.main_event_loop_pid = loop(), os.getpid()
    try:
        return AsyncToSync(func)(*args, **kwargs)
    finally:
        local.main_event_loop, local.main_event_loop_pid = saved
