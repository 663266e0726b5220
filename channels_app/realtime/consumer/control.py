"""Admin-scope control frames: broadcast, the gateway event stream, and remote agents registered over this socket."""

from __future__ import annotations

import json
from typing import Any

from channels_app.realtime import broadcast, frames, groups, remote_agents
from channels_app.realtime.auth import ADMIN
from channels_app.realtime.consumer.base import ConnectionBase, db
from channels_app.realtime.turns import agent_resolver


class ControlHandlers(ConnectionBase):
    """Broadcast, events.subscribe, and agent.register / agent_request / agent_response."""

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
