"""Let Daphne send the registered WebSocket close codes the protocol uses (1013 "try again later").

Autobahn, under Daphne, only lets an application close with 1000 or 3000-4999 and turns anything else into 1011;
RFC 6455 §7.4.1 and the IANA registry allow a server to send 1001-1003 and 1007-1014. The reference gateway evicts
slow consumers and refuses over-capacity clients with 1013, so clients expect that code.
"""

from __future__ import annotations

from typing import Any

SLOW_CONSUMER = 1013  # "try again later": slow consumers, full queues, over-capacity
SERVER_SENDABLE = frozenset({1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014})


def allow_registered_close_codes() -> None:
    """Patch autobahn's sendClose once so registered codes pass through unchanged (no-op without autobahn)."""
    try:
        from autobahn.websocket.protocol import WebSocketProtocol
    except ImportError:  # pragma: no cover - daphne always brings autobahn
        return
    original = WebSocketProtocol.sendClose
    if getattr(original, "_gateway_patched", False):
        return

    def send_close(self: Any, code: int | None = None, reason: str | None = None) -> None:
        if code in SERVER_SENDABLE:
            self.sendCloseFrame(code=code, reasonUtf8=(reason or "").encode()[:123] or None, isReply=False)
            return
        original(self, code, reason)

    send_close._gateway_patched = True  # type: ignore[attr-defined]
    WebSocketProtocol.sendClose = send_close
