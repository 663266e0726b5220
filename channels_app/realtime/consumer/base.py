"""The connection itself: admission and release, groups, sending, eviction, and parsing each inbound frame.

The consumer is a thin edge: it parses and checks each frame, then calls the handler the frame table names. Bad input
never drops the socket: it gets an `error` frame and the connection stays up.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer

from channels_app.realtime import (
    broadcast,
    connections,
    frames,
    groups,
    maintenance,
    presence,
    push,
    remote_agents,
    sessions,
)
from channels_app.realtime.auth import ADMIN, AuthResult, authenticate_scope
from channels_app.realtime.config import RealtimeConfig
from channels_app.realtime.dbhop import pooled
from channels_app.realtime.turns import TurnInput, server_stopping

log = logging.getLogger("channels_app.realtime.consumers")
# Every database hop of the consumer runs on the plane's own bounded pool, never on Channels' single shared thread.
db = pooled

CLOSE_AUTH = 4003
CLIENT_ID_TAKEN = "that client_id belongs to another token (an admin-scope token may act for it)"
CLOSE_LIVENESS = 4002
CLOSE_SLOW_CONSUMER = 1013

FrameHandler = Callable[[Any, dict[str, Any]], Awaitable[None]]


@dataclass(slots=True)
class PendingDelivery:
    """A push message sent to this connection and not acked yet (redelivered with backoff)."""

    frame: dict[str, Any]
    attempts: int
    due: float


class ConnectionBase(AsyncWebsocketConsumer):
    """One WebSocket client's connection: everything but the frame handlers, which the concern mixins add."""

    HANDLERS: ClassVar[dict[str, FrameHandler]] = {}

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its `aclose_old_connections()` before every handler.

        That call is a hop on Channels' single shared database thread for every frame received and every group
        message (three or more per turn), each queued behind all other database work and closing SQLite's connection
        for the next hop to reopen. This consumer never touches the ORM on the event loop: every database call goes
        through the plane's pool (`db`, dbhop), which does the same connection hygiene itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        if message["type"].startswith("websocket."):
            await handler(
                message
            )  # connect/receive/disconnect: receive answers its own errors, the rest end the socket
            return
        try:
            await handler(message)
        except Exception:  # noqa: BLE001 - one bad fan-out message (a session frame, a push) must not drop the socket
            log.exception("channel-layer message %s failed on connection %s", message["type"], self.connection_id)

    async def connect(self) -> None:
        self.auth: AuthResult | None = self.scope.get("gateway_auth")
        self.config: RealtimeConfig | None = self.scope.get("gateway_config")
        if self.auth is None or self.config is None:
            self.auth, self.config = await db(authenticate_scope)(self.scope)
        self.connection_id = uuid.uuid4().hex
        self.session_id: str | None = None
        self.session_cursor = 0  # the newest cursor of the session this connection holds (accepted/duplicate carry it)
        self.agent_id = ""
        self.role = "client"
        self.caps: set[str] = set()
        self.admitted = False
        self.closing = False
        self.last_seen = time.monotonic()
        self.last_ping = self.last_seen
        self.token_checked = self.last_seen
        self.pending: dict[str, PendingDelivery] = {}
        self.auto_acked: dict[str, int] = {}
        self.joined: set[str] = set()
        self.presence_on = False
        self.remote_requests: dict[str, str] = {}
        self.turns: asyncio.Queue[TurnInput] = asyncio.Queue()
        self.turn_task: asyncio.Task[None] | None = None
        self.current_turn: asyncio.Task[None] | None = None
        self.ticker: asyncio.Task[None] | None = None
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        # Unnamed: an identity tied to the token, so a returning PushClient can continue it (push.adoptable_identity).
        # (keyed by the token's identity, not its name: people's tokens share names such as "ops").
        anonymous = push.anonymous_identity(self.auth.owner if self.auth else "", self.connection_id)
        self.named_client = (query.get("client_id") or [""])[0][:128]
        self.client_id = self.named_client or anonymous
        if not self.auth.ok:
            await self.accept()
            next_step = "reauthenticate" if self.auth.code == "auth_required" else "do_not_retry"
            await self.send_frame(frames.hello_error(self.auth.code, self.auth.message, next_step))
            await self.close(code=CLOSE_AUTH)
            return
        if self.named_client and not await db(push.claim_client)(
            self.named_client, self.auth.owner, self.auth.allows(ADMIN)
        ):
            await self.accept()
            await self.send_frame(frames.hello_error("client_id_taken", CLIENT_ID_TAKEN, "do_not_retry"))
            await self.close(code=CLOSE_AUTH)
            return
        self.admitted, channels = await db(self._admit)()
        if not self.admitted:
            await self.accept()
            await self.send_frame(
                frames.hello_error(
                    "rate_limited",
                    f"the gateway holds its maximum of {self.config.max_connections} connections",
                    "wait_then_retry",
                    retry_after_seconds=5,
                )
            )
            await self.close(code=CLOSE_SLOW_CONSUMER)
            return
        maintenance.ensure_running()
        # Join the groups before accepting, so a broadcast sent right after the handshake is never missed.
        await self.join(groups.ALL_CLIENTS)
        for name in channels:
            await self.join(groups.push_group(name))
        await self.accept()
        self.ticker = asyncio.create_task(self.tick_forever())

    def _admit(self) -> tuple[bool, list[str]]:
        """One database hop at connect: take a lease, and list the identity's push channels to join."""
        if not connections.admit(self.connection_id, self.client_id, self.config.max_connections):
            return False, []
        return True, push.client_channels(self.client_id) if self.config.push_enabled else []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Run the connection; release its slot in a `finally`, however it ends (close, crash, cancellation)."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.release()

    async def disconnect(self, code: int) -> None:
        await self.release()

    async def release(self) -> None:
        """Give back everything the connection holds: lease, groups, remote-agent registration, presence. Idempotent."""
        if getattr(self, "released", False):
            return
        self.released = True
        self.closing = True
        ticker = getattr(self, "ticker", None)
        if ticker is not None:
            ticker.cancel()
        turns = getattr(self, "turns", None)
        cancelled = 0
        while turns is not None and not turns.empty() and not server_stopping():
            turns.get_nowait()  # queued, never started: cancelled with the connection (answered turns stay stored)
            cancelled += 1
        if cancelled:
            log.info("connection %s left with %d queued turns: cancelled", self.connection_id, cancelled)
        if not getattr(self, "admitted", False):
            return
        try:
            for group in list(self.joined):
                await self.channel_layer.group_discard(group, self.channel_name)
            self.joined.clear()
        except Exception:  # noqa: BLE001 - the layer may be gone; the lease must still be released
            log.exception("leaving groups after disconnect failed")
        try:
            await db(self._disconnect_db)()
        except Exception:  # noqa: BLE001 - a database hiccup at close must not raise inside the server
            log.exception("cleanup after disconnect failed")
        try:
            if self.presence_on and await db(self._went_offline)():
                await self.announce_presence("presence_leave", "offline")
            await broadcast.apublish_event("disconnect", {"client_id": self.client_id, "session_id": self.session_id})
        except Exception:  # noqa: BLE001 - announcements are best effort once the slot is back
            log.exception("announcing a disconnect failed")

    def _disconnect_db(self) -> None:
        connections.release(self.connection_id)
        if self.role == "agent":
            remote_agents.unregister(self.connection_id)
        for channel, seq in self.auto_acked.items():
            push.ack_through(self.client_id, channel, seq)
        if self.session_id:
            sessions.mark_disconnected(self.session_id)

    def _went_offline(self) -> bool:
        if connections.client_connected_elsewhere(self.client_id, self.connection_id):
            return False
        return presence.go_offline(self.client_id)

    async def join(self, group: str) -> None:
        if group not in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.joined.add(group)

    async def leave_group(self, group: str) -> None:
        if group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.joined.discard(group)

    async def send_frame(self, frame: dict[str, Any]) -> None:
        if self.closing:
            return
        await self.send(text_data=json.dumps(frame, default=str))

    async def error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_frame(frames.error(code, message, **extra))

    async def evict(self, code: int, reason: str) -> None:
        if self.closing:
            return
        log.info("closing connection %s: %s", self.connection_id, reason)
        await self.error("evicted", reason, close_code=code)
        self.closing = True
        await self.close(code=code)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Every inbound frame; whatever goes wrong answers an `error` frame, never an exception out of the consumer."""
        try:
            await self.handle_frame(text_data)
        except Exception:  # noqa: BLE001 - an uncaught error here would close with 1011 and skip the cleanup
            log.exception("inbound frame failed")
            await self.error("internal_error", "the gateway could not handle that frame")

    async def handle_frame(self, text_data: str | None) -> None:
        self.last_seen = time.monotonic()
        if self.closing or not self.auth or not self.auth.ok or not self.admitted:
            return
        if text_data is None:
            await self.error("binary_not_supported", "binary frames are not supported; send JSON text frames")
            return
        if len(text_data.encode()) > self.config.max_payload:
            await self.error("payload_too_large", f"frame exceeds max_payload of {self.config.max_payload} bytes")
            return
        try:
            frame = frames.parse_json(text_data)
        except frames.FrameParseError as exc:
            await self.error(exc.code, exc.message)
            return
        if not isinstance(frame, dict):
            await self.error("invalid_frame", "a frame must be a JSON object with a 'type'")
            return
        type_ = frame.get("type")
        if not isinstance(type_, str) or not type_:
            await self.error("missing_type", "a frame needs a string 'type'")
            return
        handler = self.HANDLERS.get(type_)
        if handler is None:
            await self.error("unknown_type", f"unknown frame type '{type_[:64]}'", frame_type=type_[:64])
            return
        try:
            await handler(self, frame)
        except push.PushError as exc:
            await self.error(exc.code, exc.message, frame_type=type_)
        except Exception:  # noqa: BLE001 - one bad frame must not drop the connection
            log.exception("frame %s failed", type_)
            await self.error("internal_error", f"the gateway could not handle '{type_}'", frame_type=type_)

    async def require(self, scope: str, frame_type: str) -> bool:
        if self.auth.allows(scope):
            return True
        await self.error(
            "insufficient_scope", f"'{frame_type}' needs the {scope} scope", required_scope=scope, frame_type=frame_type
        )
        return False

    async def require_push(self, frame_type: str) -> bool:
        if self.config.push_enabled:
            return True
        await self.error("push_disabled", "push is not enabled on this gateway (gateway.push.enabled)")
        return False
