"""The /ws consumer: the reference protocol (hello, message/response, abort, leave, ping) plus push and control frames.

The consumer is a thin edge: it parses and checks each frame, then calls the service modules (sessions, push,
presence, broadcast, remote_agents) and the turn handler named in settings. Bad input never drops the socket: it gets
an `error` frame and the connection stays up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
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
from channels_app.realtime.auth import ADMIN, READ, WRITE, AuthResult, authenticate_scope
from channels_app.realtime.config import RealtimeConfig
from channels_app.realtime.dbhop import pooled
from channels_app.realtime.turns import TurnError, TurnInput, TurnReply, agent_resolver, turn_handler

log = logging.getLogger(__name__)
# Every database hop of the consumer runs on the plane's own bounded pool, never on Channels' single shared thread.
db = pooled

CLOSE_AUTH = 4003
CLOSE_LIVENESS = 4002
CLOSE_SLOW_CONSUMER = 1013
STOP_TURN = {"/stop", "stop"}
STOP_ALL = {"/stop all", "/cancel"}


@dataclass(slots=True)
class PendingDelivery:
    """A push message sent to this connection and not acked yet (redelivered with backoff)."""

    frame: dict[str, Any]
    attempts: int
    due: float


class GatewayConsumer(AsyncWebsocketConsumer):
    """One WebSocket client: an app, a dashboard, a push subscriber or a remote agent."""

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
        await handler(message)

    # ---- lifecycle -------------------------------------------------------------------------------------------------

    async def connect(self) -> None:
        self.auth: AuthResult | None = self.scope.get("gateway_auth")
        self.config: RealtimeConfig | None = self.scope.get("gateway_config")
        if self.auth is None or self.config is None:
            self.auth, self.config = await db(authenticate_scope)(self.scope)
        self.connection_id = uuid.uuid4().hex
        self.session_id: str | None = None
        self.agent_id = ""
        self.role = "client"
        self.caps: set[str] = set()
        self.admitted = False
        self.closing = False
        self.last_seen = time.monotonic()
        self.last_ping = self.last_seen
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
        self.client_id = (query.get("client_id") or [""])[0][:128] or self.connection_id
        if not self.auth.ok:
            await self.accept()
            next_step = "reauthenticate" if self.auth.code == "auth_required" else "do_not_retry"
            await self.send_frame(frames.hello_error(self.auth.code, self.auth.message, next_step))
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

    async def disconnect(self, code: int) -> None:
        if self.ticker is not None:
            self.ticker.cancel()
        if not getattr(self, "admitted", False):
            return
        for group in list(self.joined):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined.clear()
        try:
            await db(self._disconnect_db)()
        except Exception:  # noqa: BLE001 - a database hiccup at close must not raise inside the server
            log.exception("cleanup after disconnect failed")
        if self.presence_on and await db(self._went_offline)():
            await self.announce_presence("presence_leave", "offline")
        await broadcast.apublish_event("disconnect", {"client_id": self.client_id, "session_id": self.session_id})

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

    # ---- periodic work: heartbeat, liveness, redelivery, lazy acks -------------------------------------------------

    def tick_period(self) -> float:
        config = self.config
        return max(0.02, min(config.heartbeat_interval, config.ack_timeout) / 2)

    async def tick_forever(self) -> None:
        try:
            while not self.closing:
                await asyncio.sleep(self.tick_period())
                await self.tick()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a failed tick is logged; the connection keeps working
            log.exception("connection tick failed")

    async def tick(self) -> None:
        now = time.monotonic()
        interval = self.config.heartbeat_interval
        if now - self.last_seen > 2 * interval:
            await self.evict(CLOSE_LIVENESS, "no frame from the client for two heartbeat intervals")
            return
        if now - self.last_ping >= interval:
            self.last_ping = now
            if "heartbeat" in self.caps:
                await self.send_frame(frames.event("heartbeat", {"interval_ms": self.config.heartbeat_ms}))
            else:
                await self.send_frame({"type": "ping", "timestamp": frames.now_iso()})
        for event_id, item in list(self.pending.items()):
            if item.due > now:
                continue
            if item.attempts > self.config.max_retries:
                self.pending.pop(event_id, None)  # stays unacked in the database: replayed on reconnect
                continue
            await self.redeliver(event_id, item)
        if self.auto_acked:
            acked, self.auto_acked = self.auto_acked, {}
            await db(self._flush_auto_acks)(acked)

    def _flush_auto_acks(self, acked: dict[str, int]) -> None:
        for channel, seq in acked.items():
            push.ack_through(self.client_id, channel, seq)

    async def redeliver(self, event_id: str, item: PendingDelivery) -> None:
        item.attempts += 1
        item.due = time.monotonic() + self.config.ack_timeout * (2 ** (item.attempts - 1))
        await self.send_frame({**item.frame, "_redelivered": True, "attempt": item.attempts})

    # ---- inbound frames --------------------------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
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
            frame = json.loads(text_data)
        except ValueError as exc:
            await self.error("invalid_json", f"frame is not valid JSON: {exc}")
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

    # hello / session -------------------------------------------------------------------------------------------------

    async def on_join(self, frame: dict[str, Any]) -> None:
        """Legacy `join` (min_version/max_version) → the same as hello, answered `joined`."""
        await self.on_hello(
            {**frame, "protocol_min": frame.get("min_version", 1), "protocol_max": frame.get("max_version", 1)},
            reply_type="joined",
        )

    async def on_hello(self, frame: dict[str, Any], reply_type: str = "hello_ok") -> None:
        proto = frame.get("protocol") if isinstance(frame.get("protocol"), dict) else {}
        pmin = frame.get("protocol_min", proto.get("min", 1))
        pmax = frame.get("protocol_max", proto.get("max", pmin))
        if not isinstance(pmin, int) or not isinstance(pmax, int):
            await self.send_frame(frames.hello_error("protocol_unsupported", "protocol must be integers", "repair"))
            return
        if pmax < frames.PROTOCOL_VERSION or pmin > frames.PROTOCOL_VERSION:
            step = "upgrade_client" if pmax < frames.PROTOCOL_VERSION else "downgrade_client"
            await self.send_frame(
                frames.hello_error(
                    "protocol_unsupported", f"this gateway speaks protocol {frames.PROTOCOL_VERSION}", step
                )
            )
            return
        agent_id = frame.get("agent_id")
        resolved = await agent_resolver()(agent_id if isinstance(agent_id, str) else "")
        if resolved is None:
            await self.send_frame(
                frames.hello_error("agent_not_found", f"no agent '{agent_id}' on this gateway", "do_not_retry")
            )
            return
        caps = frame.get("capabilities", frame.get("caps", []))
        self.caps = {c for c in caps if isinstance(c, str)} if isinstance(caps, list) else set()
        if frame.get("role") == "agent":
            self.role = "agent"
        client_id = frame.get("client_id")
        if isinstance(client_id, str) and client_id.strip():
            await self.set_client_id(client_id.strip()[:128])
        since = frame.get("since")
        session_id = frame.get("session_id")
        if self.session_id:
            await self.leave_group(groups.session_group(self.session_id))
        opened = await db(sessions.open_session)(
            session_id=session_id if isinstance(session_id, str) else None,
            agent_id=resolved,
            client_id=self.client_id,
            token_name=self.auth.token_name,
            since=since if isinstance(since, int) else 0,
            config=self.config,
        )
        if opened.resumed and not (isinstance(client_id, str) and client_id.strip()) and opened.session.client_id:
            await self.set_client_id(opened.session.client_id)
        self.session_id = opened.session.session_id
        self.agent_id = resolved
        await self.join(groups.session_group(self.session_id))
        policy = {
            "max_payload": self.config.max_payload,
            "max_queued_frames": self.config.max_queued_frames,
            "max_unacked": self.config.max_unacked,
            "heartbeat_ms": self.config.heartbeat_ms,
            "reconnect_timeout_ms": int(self.config.reconnect_timeout * 1000),
            "session_max_messages": self.config.session_max_messages,
        }
        ok = frames.hello_ok(
            session_id=self.session_id,
            resumed=opened.resumed,
            cursor=opened.session.cursor,
            streaming="streaming" in self.caps,
            policy=policy,
            client_id=self.client_id,
            resync_required=opened.resync_required,
            scopes=sorted(self.auth.scopes),
        )
        if reply_type != "hello_ok":
            first = opened.replay[0].get("seq") if opened.replay else opened.session.cursor
            ok.update(type=reply_type, oldest_cursor=first, presence=[])
        await self.send_frame(ok)
        for old in opened.replay:
            await self.send_frame({"type": "replay", "event": old, "seq": old.get("seq")})
        if "presence" in self.caps:
            await self.presence_beat("online", None)
        if self.config.push_enabled:
            await self.replay_push()
        await broadcast.apublish_event(
            "connect", {"client_id": self.client_id, "session_id": self.session_id, "agent_id": resolved}
        )

    async def set_client_id(self, client_id: str) -> None:
        if client_id == self.client_id:
            return
        self.client_id = client_id
        await db(connections.set_client)(self.connection_id, client_id)
        if self.config.push_enabled:
            await self.join_client_channels()

    async def join_client_channels(self) -> None:
        for name in await db(push.client_channels)(self.client_id):
            await self.join(groups.push_group(name))

    async def replay_push(self) -> None:
        """Send every retained push message this identity has not acked (what it missed while away)."""
        missed = await db(push.pending)(self.client_id, self.config.max_unacked)
        for frame in missed:
            if frame["event_id"] in self.pending:
                continue
            await self.deliver_push({**frame, "_replayed": True})

    async def on_leave(self, frame: dict[str, Any]) -> None:
        if not self.session_id:
            await self.error("no_session", "send hello first")
            return
        session_id = self.session_id
        await db(sessions.close_session)(session_id)
        await self.leave_group(groups.session_group(session_id))
        self.session_id = None
        await self.send_frame({"type": "left", "session_id": session_id})

    async def on_ping(self, frame: dict[str, Any]) -> None:
        await self.send_frame({"type": "pong"})

    async def on_pong(self, frame: dict[str, Any]) -> None:
        return None

    # message / turns -------------------------------------------------------------------------------------------------

    async def on_message(self, frame: dict[str, Any]) -> None:
        if not await self.require(WRITE, "message"):
            return
        if not self.session_id:
            await self.error("no_session", "send hello (with agent_id) before messages")
            return
        content = frame.get("content")
        if isinstance(content, dict | list):
            content = json.dumps(content)
        if not isinstance(content, str) or not content.strip():
            await self.error("empty_content", "a message needs non-empty 'content'")
            return
        text = content.strip()
        if text.lower() in STOP_TURN | STOP_ALL:
            await self.abort(scope="session" if text.lower() in STOP_ALL else "turn", reason=text)
            return
        request_id = frame.get("request_id")
        request_id = str(request_id)[:128] if request_id not in (None, "") else ""
        if request_id and not await db(sessions.claim_request)(self.session_id, request_id):
            await self.send_frame(
                frames.response("duplicate", "Duplicate request.", self.session_id, request_id=request_id)
            )
            return
        busy = self.current_turn is not None and not self.current_turn.done()
        if busy or not self.turns.empty():
            await self.send_frame(
                {
                    "type": "status",
                    "status": "queued",
                    "session_id": self.session_id,
                    "position": self.turns.qsize() + 1,
                }
            )
            await self.send_frame(
                frames.response("accepted", "Message queued.", self.session_id, request_id=request_id, queued=True)
            )
        else:
            await self.send_frame(frames.response("accepted", "", self.session_id, request_id=request_id))
        await broadcast.apublish_event(
            "message",
            {"direction": "in", "session_id": self.session_id, "client_id": self.client_id, "content": content},
        )
        await self.turns.put(
            TurnInput(
                session_id=self.session_id,
                agent_id=self.agent_id,
                content=content,
                request_id=request_id,
                client_id=self.client_id,
                streaming="streaming" in self.caps,
                max_messages=self.config.session_max_messages,
            )
        )
        if self.turn_task is None or self.turn_task.done():
            self.turn_task = asyncio.create_task(self.run_turns())

    async def run_turns(self) -> None:
        """Run queued turns one at a time, in order; keeps going if the client drops (results wait for resume)."""
        while not self.turns.empty():
            turn = self.turns.get_nowait()
            self.current_turn = asyncio.create_task(self.run_one(turn))
            with contextlib.suppress(asyncio.CancelledError):
                await self.current_turn
            self.current_turn = None

    async def run_one(self, turn: TurnInput) -> None:
        async def on_event(kind: str, data: dict[str, Any]) -> None:
            if turn.streaming:
                await self.session_frame(
                    turn.session_id, frames.event(kind, {**data, "session_id": turn.session_id}, source=turn.agent_id)
                )

        extra = {"request_id": turn.request_id} if turn.request_id else {}
        try:
            async with asyncio.timeout(self.config.turn_timeout):
                result = await turn_handler()(turn, on_event)
        except asyncio.CancelledError:
            await self.session_frame(
                turn.session_id,
                frames.response(
                    "final", "", turn.session_id, outcome=frames.outcome_error("aborted", "turn aborted"), **extra
                ),
            )
            raise
        except TimeoutError:
            outcome = frames.outcome_error("timeout", "the agent took too long", retryable=True)
            await self.session_frame(turn.session_id, frames.response("final", "", turn.session_id, outcome=outcome))
            return
        except TurnError as exc:
            outcome = frames.outcome_error(exc.code, exc.message, retryable=exc.retryable)
            content = "Agent not available" if exc.code == "agent_not_found" else ""
            await self.session_frame(
                turn.session_id, frames.response("final", content, turn.session_id, outcome=outcome, **extra)
            )
            return
        except Exception as exc:  # noqa: BLE001 - the client hears a clear error, the server keeps running
            log.exception("turn failed in session %s", turn.session_id)
            outcome = frames.outcome_error("agent_error", str(exc) or exc.__class__.__name__)
            await self.session_frame(
                turn.session_id, frames.response("final", "", turn.session_id, outcome=outcome, **extra)
            )
            return
        text, persist = (result.text, result.persist) if isinstance(result, TurnReply) else (result, None)
        if turn.streaming:
            await on_event("stream_end", {"request_id": turn.request_id})
        await broadcast.apublish_event(
            "message",
            {"direction": "out", "session_id": turn.session_id, "agent_id": turn.agent_id, "content": text},
        )
        final = frames.response(
            "final", text, turn.session_id, outcome=frames.outcome_ok(), agent_id=turn.agent_id, **extra
        )
        try:
            await self.session_frame(turn.session_id, final, before=persist)
        except Exception:  # noqa: BLE001 - the turn was answered but not stored: say so, keep the queue running
            log.exception("storing a turn failed in session %s", turn.session_id)
            outcome = frames.outcome_error("storage_error", "the reply could not be stored", retryable=True)
            await self.session_frame(
                turn.session_id, frames.response("final", "", turn.session_id, outcome=outcome, **extra)
            )

    async def session_frame(
        self, session_id: str, frame: dict[str, Any], before: Callable[[], None] | None = None
    ) -> None:
        """Stamp, keep for resume, and send to whichever connection holds the session now (any process).

        `before` is the turn's history write, stored in the same transaction (one hop on the plane's own pool).
        """
        stamped = await db(sessions.append_frame)(session_id, frame, before)
        await self.channel_layer.group_send(groups.session_group(session_id), {"type": "ws.frame", "frame": stamped})

    async def ws_frame(self, message: dict[str, Any]) -> None:
        frame = message["frame"]
        if frame.get("type", "").endswith("_stream") and "streaming" not in self.caps:
            return
        await self.send_frame(frame)

    async def on_abort(self, frame: dict[str, Any]) -> None:
        scope = frame.get("scope") if frame.get("scope") in ("turn", "session") else "turn"
        await self.abort(scope=scope, reason=str(frame.get("reason") or ""))

    async def abort(self, *, scope: str, reason: str) -> None:
        dropped = 0
        if scope == "session":
            while not self.turns.empty():
                self.turns.get_nowait()
                dropped += 1
        running = self.current_turn is not None and not self.current_turn.done()
        if running:
            self.current_turn.cancel()
        reply = "aborted" if running or dropped else "no_active_turn"
        await self.send_frame(
            {
                "type": reply,
                "scope": scope,
                "turn_aborted": running,
                "pending_cancelled": dropped,
                "reason": reason,
                "session_id": self.session_id,
            }
        )

    # push: channels, acks, presence ----------------------------------------------------------------------------------

    async def on_channel_create(self, frame: dict[str, Any]) -> None:
        if not (await self.require_push("channel.create") and await self.require(WRITE, "channel.create")):
            return
        channel, created = await db(push.channel_create)(frame.get("channel"), frame.get("metadata"), self.client_id)
        await self.send_frame({"type": "channel.created", "channel": channel.name, "ok": True, "created": created})

    async def on_channel_subscribe(self, frame: dict[str, Any]) -> None:
        if not (await self.require_push("channel.subscribe") and await self.require(READ, "channel.subscribe")):
            return
        sub = await db(push.subscribe)(self.client_id, frame.get("channel"))
        name = frame["channel"]
        await self.join(groups.push_group(name))
        await self.send_frame({"type": "channel.subscribed", "channel": name, "ok": True, "seq": sub.acked_through})

    async def on_channel_unsubscribe(self, frame: dict[str, Any]) -> None:
        if not (await self.require_push("channel.unsubscribe") and await self.require(READ, "channel.unsubscribe")):
            return
        removed = await db(push.unsubscribe)(self.client_id, frame.get("channel"))
        await self.leave_group(groups.push_group(frame["channel"]))
        for event_id, item in list(self.pending.items()):
            if item.frame.get("channel") == frame["channel"]:
                self.pending.pop(event_id)
        await self.send_frame({"type": "channel.unsubscribed", "channel": frame["channel"], "ok": removed})

    async def on_channel_publish(self, frame: dict[str, Any]) -> None:
        if not (await self.require_push("channel.publish") and await self.require(WRITE, "channel.publish")):
            return
        if "data" not in frame:
            await self.error("missing_data", "channel.publish needs 'data'")
            return
        sent, delivered = await push.apublish(frame.get("channel"), frame["data"], self.client_id)
        await self.send_frame(
            {
                "type": "channel.published",
                "channel": sent["channel"],
                "ok": True,
                "delivered": delivered,
                "seq": sent["seq"],
                "event_id": sent["event_id"],
            }
        )

    async def on_channel_list(self, frame: dict[str, Any]) -> None:
        if not (await self.require_push("channel.list") and await self.require(READ, "channel.list")):
            return
        await self.send_frame({"type": "channel.list", "channels": await db(push.channel_list)()})

    async def push_message(self, message: dict[str, Any]) -> None:
        """A publish on a channel this connection's identity is subscribed to (from any process)."""
        if message.get("publisher") == self.client_id:
            return
        await self.deliver_push(message["frame"])

    async def deliver_push(self, frame: dict[str, Any]) -> None:
        if "ack" in self.caps:
            if frame["event_id"] in self.pending:
                return
            self.pending[frame["event_id"]] = PendingDelivery(frame, 0, time.monotonic() + self.config.ack_timeout)
            if len(self.pending) > self.config.max_unacked:
                await self.evict(CLOSE_SLOW_CONSUMER, f"more than {self.config.max_unacked} unacked messages")
                return
        else:
            channel = frame["channel"]
            self.auto_acked[channel] = max(self.auto_acked.get(channel, 0), int(frame["seq"]))
        await self.send_frame(frame)

    async def on_message_ack(self, frame: dict[str, Any]) -> None:
        if not await self.require_push("message_ack"):
            return
        event_id = frame.get("event_id")
        event_id = event_id if isinstance(event_id, str) else None
        channel, seq = frame.get("channel"), frame.get("seq")
        if event_id is None and not (isinstance(channel, str) and isinstance(seq, int)):
            await self.error("invalid_ack", "message_ack needs event_id (or channel and seq)")
            return
        ok = await db(push.ack)(self.client_id, event_id=event_id, channel=channel, seq=seq)
        if event_id:
            self.pending.pop(event_id, None)
        else:
            for key, item in list(self.pending.items()):
                if item.frame.get("channel") == channel and item.frame.get("seq") == seq:
                    self.pending.pop(key)
        await self.send_frame({"type": "ack_received", "event_id": event_id, "ok": ok})

    async def on_message_nack(self, frame: dict[str, Any]) -> None:
        if not await self.require_push("message_nack"):
            return
        event_id = frame.get("event_id")
        item = self.pending.get(event_id) if isinstance(event_id, str) else None
        await self.send_frame({"type": "nack_received", "event_id": event_id, "ok": item is not None})
        if item is not None:
            await self.redeliver(event_id, item)

    async def on_presence_heartbeat(self, frame: dict[str, Any]) -> None:
        if not await self.require_push("presence.heartbeat"):
            return
        metadata = frame.get("metadata")
        status = frame.get("status") if isinstance(frame.get("status"), str) else "online"
        await self.presence_beat(status, metadata if isinstance(metadata, dict) else None)
        await self.send_frame({"type": "presence.heartbeat_ack", "client_id": self.client_id, "status": status})

    async def presence_beat(self, status: str, metadata: dict[str, Any] | None) -> None:
        self.presence_on = True
        if await db(presence.heartbeat)(self.client_id, status, metadata):
            await self.announce_presence("presence_join", status)

    async def announce_presence(self, kind: str, status: str) -> None:
        for group, message in await db(presence.announce_messages)(self.client_id, kind, status):
            await self.channel_layer.group_send(group, message)

    async def push_presence(self, message: dict[str, Any]) -> None:
        if message.get("client_id") != self.client_id:
            await self.send_frame(message["frame"])

    async def on_presence_query(self, frame: dict[str, Any]) -> None:
        if not (await self.require_push("presence.query") and await self.require(READ, "presence.query")):
            return
        channel = frame.get("channel") if isinstance(frame.get("channel"), str) else None
        clients = await db(presence.query)(channel, self.config.presence_timeout)
        await self.send_frame({"type": "presence.list", "channel": channel, "clients": clients})

    # admin: broadcast, event stream, remote agents -------------------------------------------------------------------

    async def on_broadcast(self, frame: dict[str, Any]) -> None:
        if not await self.require(ADMIN, "broadcast"):
            return
        data = frame.get("data")
        if not isinstance(data, dict):
            data = {"content": data} if data is not None else {"content": frame.get("content", "")}
        event_id = await broadcast.abroadcast(data, source=self.client_id)
        await self.send_frame({"type": "broadcast.sent", "ok": True, "event_id": event_id})

    async def ws_broadcast(self, message: dict[str, Any]) -> None:
        await self.send_frame(message["frame"])

    async def on_events_subscribe(self, frame: dict[str, Any]) -> None:
        if not await self.require(ADMIN, "events.subscribe"):
            return
        await self.join(groups.GATEWAY_EVENTS)
        await self.send_frame({"type": "events.subscribed", "ok": True, "group": groups.GATEWAY_EVENTS})

    async def on_events_unsubscribe(self, frame: dict[str, Any]) -> None:
        await self.leave_group(groups.GATEWAY_EVENTS)
        await self.send_frame({"type": "events.unsubscribed", "ok": True})

    async def gateway_event(self, message: dict[str, Any]) -> None:
        payload = message.get("payload") or {}
        data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
        await self.send_frame(frames.event(str(payload.get("type", "event")), data, topic=groups.GATEWAY_EVENTS))

    async def on_agent_register(self, frame: dict[str, Any]) -> None:
        if not await self.require(ADMIN, "agent.register"):
            return
        name = frame.get("agent_id") or self.agent_id
        if not isinstance(name, str) or not name:
            await self.error("invalid_agent", "agent.register needs agent_id")
            return
        resolved = await agent_resolver()(name)
        if resolved is None:
            await self.error("agent_not_found", f"no agent '{name}' on this gateway")
            return
        self.role = "agent"
        await db(remote_agents.register)(resolved, self.connection_id, self.channel_name)
        await self.send_frame({"type": "agent.registered", "agent_id": resolved, "ok": True})

    async def on_agent_unregister(self, frame: dict[str, Any]) -> None:
        name = frame.get("agent_id") if isinstance(frame.get("agent_id"), str) else None
        removed = await db(remote_agents.unregister)(self.connection_id, name)
        await self.send_frame({"type": "agent.unregistered", "ok": bool(removed), "agent_id": name})

    async def agent_request(self, message: dict[str, Any]) -> None:
        request = message["request"]
        self.remote_requests[request["request_id"]] = message["reply_to"]
        await self.send_frame({"type": "agent_request", **request})

    async def on_agent_response(self, frame: dict[str, Any]) -> None:
        request_id = frame.get("request_id")
        reply_to = self.remote_requests.pop(request_id, None) if isinstance(request_id, str) else None
        if reply_to is None:
            await self.error("unknown_request", "no open agent_request with that request_id")
            return
        content = frame.get("content")
        await self.channel_layer.send(
            reply_to,
            {
                "type": "agent.reply",
                "request_id": request_id,
                "content": content if isinstance(content, str) else json.dumps(content),
                "error": frame.get("error"),
            },
        )
        await self.send_frame({"type": "agent_response_ack", "request_id": request_id, "ok": True})

    HANDLERS = {
        "hello": on_hello,
        "join": on_join,
        "leave": on_leave,
        "ping": on_ping,
        "pong": on_pong,
        "message": on_message,
        "abort": on_abort,
        "message_abort": on_abort,
        "channel.create": on_channel_create,
        "channel.subscribe": on_channel_subscribe,
        "channel.unsubscribe": on_channel_unsubscribe,
        "channel.publish": on_channel_publish,
        "channel.list": on_channel_list,
        "message_ack": on_message_ack,
        "message_nack": on_message_nack,
        "presence.heartbeat": on_presence_heartbeat,
        "presence.query": on_presence_query,
        "broadcast": on_broadcast,
        "events.subscribe": on_events_subscribe,
        "events.unsubscribe": on_events_unsubscribe,
        "agent.register": on_agent_register,
        "agent.unregister": on_agent_unregister,
        "agent_response": on_agent_response,
    }
