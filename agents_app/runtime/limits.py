"""The process-wide bound on concurrent model calls (settings.GATEWAY_MAX_CONCURRENT_QUERIES).

asyncio primitives belong to one loop, so there is one semaphore per running loop; inside the server process (one
loop) that is the global bound. Distributed mode bounds each worker process the same way.
"""

from __future__ import annotations

import asyncio
import weakref

_semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[int, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def model_call_slot(limit: int) -> asyncio.Semaphore:
    """The semaphore every model call of this loop acquires; rebuilt when the configured limit changes."""
    loop = asyncio.get_running_loop()
    current = _semaphores.get(loop)
    if current is None or current[0] != limit:
        current = (limit, asyncio.Semaphore(max(1, limit)))
        _semaphores[loop] = current
    return current[1]
