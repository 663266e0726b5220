"""Per-process housekeeping: the server heartbeat that keeps leases alive, and the sweepers.

Started lazily by the first connection in an event loop; every process runs it, and each sweep is a conditional
update so two processes never announce the same presence leave twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref

from channels.db import database_sync_to_async

from channels_app.realtime import connections, presence, push, sessions
from channels_app.realtime.config import load_config

log = logging.getLogger(__name__)
_tasks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]] = weakref.WeakKeyDictionary()


def run_once() -> list[str]:
    """One round: heartbeat, presence sweep, retention purge, session expiry. Returns identities gone offline."""
    connections.beat()
    config = load_config()
    gone = presence.sweep(config.presence_timeout)
    for client_id in gone:
        presence.announce(client_id, "presence_leave", "offline")
    push.purge_expired()
    sessions.expire_sessions(config)
    connections.reap_dead_servers()
    return gone


async def _loop() -> None:
    while True:
        await asyncio.sleep(connections.server_beat_seconds())
        try:
            await database_sync_to_async(run_once)()
        except Exception:  # noqa: BLE001 - housekeeping must never die; the next round retries
            log.exception("realtime maintenance round failed")


def ensure_running() -> None:
    """Start the housekeeping loop for the current event loop, once."""
    loop = asyncio.get_running_loop()
    task = _tasks.get(loop)
    if task is None or task.done():
        _tasks[loop] = loop.create_task(_loop())


async def stop() -> None:
    task = _tasks.pop(asyncio.get_running_loop(), None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
