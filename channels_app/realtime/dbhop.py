"""The WebSocket plane's database hops on a small pool of its own, off Channels' single shared database thread.

`database_sync_to_async` is thread-sensitive: every hop of every connection (and the agent runtime's, and admin
views') queues on one thread, so fifty clients each making a few hops per turn wait behind each other. Hops that
open and close their own connection and never rely on thread-affine state (each is one self-contained unit of work,
usually one transaction) can run on this pool instead.

Bounded on purpose: each pool thread holds one database connection (persistent on PostgreSQL, so a process adds
`GATEWAY_WS_DB_THREADS` connections), and SQLite has one writer at a time, so the embedded default is one thread —
that thread's writes then never fight each other for SQLite's lock, and still run beside the shared thread.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from channels.db import DatabaseSyncToAsync
from django.conf import settings
from django.db import connection

P = ParamSpec("P")
R = TypeVar("R")

_executor: ThreadPoolExecutor | None = None
_guard = threading.Lock()


def pool_size() -> int:
    """GATEWAY_WS_DB_THREADS (setting, then environment); default 1 on SQLite, 4 on PostgreSQL."""
    value = getattr(settings, "GATEWAY_WS_DB_THREADS", None) or os.environ.get("GATEWAY_WS_DB_THREADS")
    if value:
        return max(1, int(value))
    return 1 if connection.vendor == "sqlite" else 4


def executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        with _guard:
            if _executor is None:
                _executor = ThreadPoolExecutor(max_workers=pool_size(), thread_name_prefix="ws-db")
    return _executor


def pooled(func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """Like `database_sync_to_async(func)`, but on the WebSocket plane's own bounded pool."""
    return DatabaseSyncToAsync(func, thread_sensitive=False, executor=executor())
