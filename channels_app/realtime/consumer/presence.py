"""Presence frames: heartbeats that mark this identity online, join/leave announcements, and queries."""

from __future__ import annotations

from typing import Any

from channels_app.realtime import presence
from channels_app.realtime.auth import READ
from channels_app.realtime.consumer.base import ConnectionBase, db


class PresenceHandlers(ConnectionBase):
    """Who is online, per push channel."""

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
