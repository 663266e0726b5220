"""hello / join / leave / ping: opening, resuming and closing the connection's session."""

from __future__ import annotations

from typing import Any

from channels_app.realtime import broadcast, connections, frames, groups, push, sessions
from channels_app.realtime.auth import ADMIN
from channels_app.realtime.consumer.base import CLIENT_ID_TAKEN, ConnectionBase, db
from channels_app.realtime.turns import agent_resolver


class SessionHandlers(ConnectionBase):
    """Frames that open, resume and close a session."""

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
        if isinstance(client_id, str) and client_id.strip() and not await self.set_client_id(client_id.strip()[:128]):
            await self.send_frame(frames.hello_error("client_id_taken", CLIENT_ID_TAKEN, "repair"))
            return
        since = frame.get("since")
        session_id = frame.get("session_id")
        if self.session_id:
            await self.leave_group(groups.session_group(self.session_id))
        opened = await db(sessions.open_session)(
            session_id=session_id if isinstance(session_id, str) else None,
            agent_id=resolved,
            client_id=self.client_id,
            token_name=self.auth.owner,  # the token itself: people's tokens share names such as "ops"
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
        # Nothing is replayed without `since` (the seed's rule): a client that never saw a cursor has nothing to
        # catch up on, and replaying the whole buffer would show it every old answer again.
        replay = opened.replay if isinstance(since, int) else []
        # `sequence`: the number before the first replayed frame, so a client's gap check expects exactly that one.
        ok["sequence"] = since if replay else opened.session.cursor
        self.session_cursor = opened.session.cursor
        if reply_type != "hello_ok":
            first = replay[0].get("seq") if replay else opened.session.cursor
            ok.update(type=reply_type, oldest_cursor=first, presence=[])
        await self.send_frame(ok)
        for old in replay:
            await self.send_frame(frames.replay(old, target=self.client_id))
        if "presence" in self.caps:
            await self.presence_beat("online", None)
        if self.config.push_enabled:
            await self.replay_push()
        await broadcast.apublish_event(
            "connect", {"client_id": self.client_id, "session_id": self.session_id, "agent_id": resolved}
        )

    async def set_client_id(self, client_id: str) -> bool:
        """Act as push identity `client_id`, if this token owns it (or may override: admin scope)."""
        if client_id == self.client_id:
            return True
        if not await db(push.claim_client)(client_id, self.auth.owner, self.auth.allows(ADMIN)):
            return False
        self.client_id = client_id
        await db(connections.set_client)(self.connection_id, client_id)
        if self.config.push_enabled:
            await self.join_client_channels()
        return True

    async def join_client_channels(self) -> None:
        for name in await db(push.client_channels)(self.client_id):
            await self.join(groups.push_group(name))

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
