"""Remote agents: a connection registers as the handler of an agent name and answers its turns over the socket.

`call_remote(agent_name, ...)` returns the remote reply, or None when no live connection handles that agent, so the
caller (routing.pipeline.websocket, the pipeline) falls back to the local runtime.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from channels.layers import get_channel_layer
from django.utils import timezone

from channels_app.realtime.connections import SERVER_ID, beat, server_ttl
from channels_app.realtime.dbhop import pooled
from channels_app.realtime.models import RemoteAgent

LOOKUP = object()


class RemoteAgentError(Exception):
    """The remote agent did not answer in time or answered with an error."""


def register(agent_name: str, connection_id: str, channel_name: str) -> None:
    beat()
    RemoteAgent.objects.update_or_create(
        connection_id=connection_id,
        defaults={"agent_name": agent_name, "channel_name": channel_name, "server_id": SERVER_ID},
    )


def unregister(connection_id: str, agent_name: str | None = None) -> int:
    rows = RemoteAgent.objects.filter(connection_id=connection_id)
    if agent_name:
        rows = rows.filter(agent_name=agent_name)
    deleted, _ = rows.delete()
    return deleted


def handler_for(agent_name: str) -> str | None:
    """Channel name of the newest live registration for the agent."""
    row = (
        RemoteAgent.objects.filter(agent_name=agent_name, server__heartbeat_at__gt=timezone.now() - server_ttl())
        .order_by("-registered_at")
        .first()
    )
    return row.channel_name if row else None


async def call_remote(
    agent_name: str,
    content: str,
    *,
    history: list[dict[str, str]] | None = None,
    context: dict[str, Any] | None = None,
    wait_seconds: float = 60.0,
    target: str | None | object = LOOKUP,
) -> str | None:
    """Send a turn to the registered remote agent and wait for its `agent_response`.

    `target` is the handler's channel when the caller already looked it up (one database hop less), None for "no
    remote agent"; by default it is looked up here.
    """
    if target is LOOKUP:
        target = await pooled(handler_for)(agent_name)
    layer = get_channel_layer()
    if target is None or layer is None:
        return None
    reply_to = await layer.new_channel()  # "specific." shares the layer's receive loop (channels-redis)
    request_id = uuid.uuid4().hex
    await layer.send(
        target,
        {
            "type": "agent.request",
            "reply_to": reply_to,
            "request": {
                "request_id": request_id,
                "agent_id": agent_name,
                "content": content,
                "history": history or [],
                "context": context or {},
            },
        },
    )
    try:
        async with asyncio.timeout(wait_seconds):
            while True:
                reply = await layer.receive(reply_to)
                if reply.get("request_id") == request_id:
                    break
    except TimeoutError as exc:
        raise RemoteAgentError(f"remote agent '{agent_name}' did not answer within {wait_seconds:g}s") from exc
    if reply.get("error"):
        raise RemoteAgentError(str(reply["error"]))
    return str(reply.get("content", ""))
