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
    """Optional imports of our dependencies that the gateway never uses; a None entry makes each fail as the
    importer expects (it then goes without): Pygments (~1.3 MB), which Django REST framework highlights Markdown
    code with. It is here only because the test tools bring it (requirements-dev.txt), and Markdown is not
    installed, so nothing is highlighted anyway.
    """
    sys.modules.setdefault("pygments", None)


def load_sdk_types_lazily() -> None:
    """openai's type packages load each model on first use instead of all at import (~10 MB and ~400 modules;
    gatewaysite/lazy_packages.py says how and why it is safe). Not anthropic's: its client imports most of its
    types anyway, and lazily loaded it measured no smaller."""
    from gatewaysite.lazy_packages import load_lazily

    load_lazily(("openai.types",))


def defer_tls_stack() -> None:
    """Twisted's TCP transport imports pyOpenSSL (with service-identity and pyasn1: ~5.4 MB resident, measured
    with the ASGI application loaded) for a TLS listener that a gateway behind a proxy never opens. Unless Twisted
    is loaded already (a `daphne` command line, which may be given an `ssl:` endpoint of its own), it loads without
    it; `enable_tls()` brings it back before a server configured with ssl_cert and ssl_key listens."""
    if "twisted.internet.tcp" not in sys.modules:
        sys.modules.setdefault("OpenSSL", None)


def enable_tls() -> None:
    """Undo `defer_tls_stack` for this process: the reactor can listen with TLS again (rungateway with ssl_cert)."""
    if "OpenSSL" in sys.modules and sys.modules["OpenSSL"] is None:
        del sys.modules["OpenSSL"]
    from twisted.internet import posixbase
    from twisted.internet.interfaces import IReactorSSL
    from twisted.protocols import tls
    from zope.interface import classImplements

    # posixbase decided at import whether the reactor can listen with TLS (its `tls` module, or None).
    posixbase.tls = tls
    classImplements(posixbase.PosixReactorBase, IReactorSSL)
