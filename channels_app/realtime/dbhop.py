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

import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import connection, connections

P = ParamSpec("P")
R = TypeVar("R")

_executor: ThreadPoolExecutor | None = None
_guard = threading.Lock()


def pool_size() -> int:
    """settings.GATEWAY_WS_DB_THREADS; 0 (the default): 1 on SQLite, 4 on PostgreSQL."""
    value = int(settings.GATEWAY_WS_DB_THREADS or 0)
    if value > 0:
        return max(1, int(value))
    return 1 if connection.vendor == "sqlite" else 4


def executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        with _guard:
            if _executor is None:
                _executor = ThreadPoolExecutor(max_workers=pool_size(), thread_name_prefix="ws-db")
    return _executor


def _keep_connections() -> None:
    """Django's request-boundary hygiene, except that a pool thread keeps its connection between hops.

    With CONN_MAX_AGE 0 (the SQLite default) `close_old_connections` closes after every hop: profiling showed the
    pool thread spending about a third of its time opening and closing SQLite (closing the last connection to a WAL
    database also checkpoints it). The pool is small and long-lived, so its connections stay open; one that broke or
    outlived a configured CONN_MAX_AGE is still replaced.
    """
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            continue
        if not conn.settings_dict.get("CONN_MAX_AGE"):
            conn.close_at = None
        conn.close_if_unusable_or_obsolete()


class _PooledHop(SyncToAsync):
    def thread_handler(self, loop: object, *args: object, **kwargs: object) -> object:
        _keep_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            _keep_connections()


def pooled(func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """Like `database_sync_to_async(func)`, but on the WebSocket plane's own bounded pool."""
    return _PooledHop(func, thread_sensitive=False, executor=executor())
