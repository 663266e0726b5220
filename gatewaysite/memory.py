"""Process-wide memory settings applied before anything else runs (imported first by gatewaysite/settings.py).

Why: the embedded server is one process with a dozen threads (pipeline workers, the intake writer, the agent loop,
the WebSocket plane's database pool). glibc gives each thread that allocates concurrently an arena of its own, up
to eight per core, and keeps what those arenas freed instead of returning it, so resident memory grew with the
thread count rather than with the work: bench/webhook_load.py (2,000 × 50) peaked at 156.6 MB, 147.2 MB with two
arenas, at the same throughput. Python's own allocator serves small objects from its pools either way.

An operator's MALLOC_ARENA_MAX still wins: glibc reads it at start-up and we leave it alone.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)
DEFAULT_ARENAS = 2


def limit_malloc_arenas(arenas: int = DEFAULT_ARENAS) -> bool:
    """Cap glibc's malloc arenas for threads created from now on; True when applied (Linux with glibc only)."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # musl (Alpine) or no libc by that name: nothing to tune
        return False


def skip_unused_imports() -> None:
    """The `openai` SDK imports aiohttp (~7 MB resident) for an optional client the gateway never uses; a None
    entry makes that optional import fail as the SDK expects (it then offers only its httpx client, which we use)."""
    sys.modules.setdefault("openai._vendor.httpx_aiohttp", None)
