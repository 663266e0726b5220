"""Per-connection memory bounds that do not come from GatewaySettings: read from settings (gatewaysite/settings.py), no database.

A client that stops reading makes the server buffer everything sent to it; a client that floods `message` frames
queues turns. Both are bounded per connection, and a connection over a bound is evicted with close code 1013.
"""

from __future__ import annotations

from django.conf import settings

DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024


def max_buffered_bytes() -> int:
    """Bytes the server may hold for one WebSocket that does not read (GATEWAY_WS_MAX_BUFFERED_BYTES, default 4 MiB).

    Checked by rungateway's server layer before each frame it writes: over the bound, the socket is closed with 1013
    and nothing more is buffered for it. (A bare `daphne` has no such hook; see docs/security.md.)
    """
    value = getattr(settings, "GATEWAY_WS_MAX_BUFFERED_BYTES", None)
    return int(value) if value else DEFAULT_MAX_BUFFERED_BYTES
