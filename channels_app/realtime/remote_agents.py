"""Remote agents: a connection registers as the handler of an agent name and answers its turns over the socket.

`call_remote(agent_name, ...)` returns the remote reply, or None when no live connection handles that agent, so the
caller (routing.pipeline.websocket, the pipeline) falls back to the local runtime.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels_app.realtime.connections import SERVER_ID, beat, server_ttl
from channels_app.realtime.dbhop import pooled
from channels_app.realtime.models import RemoteAgent
from gatewaysite.ttl_cache import MISS, TTLCache

LOOKUP = object()

# Every turn of every door asks whether a remote agent answers for its agent, and almost always none does: the
# lookup was one ORM query per turn (8 % of the WebSocket plane's GIL time in a 50-client profile). Answers are
# remembered for GATEWAY_WS_AGENT_CACHE_TTL seconds (default 2, 0 = off): first whether any live registration
# exists at all (one query per TTL for the whole process, where per-agent answers cost one per agent — 2.2 % of the
# GIL time with 50 agents), then per agent, where only "none" is trusted: a remembered handler is looked up again,
# so a turn is never sent to a connection that has gone. A registration or unregistration in this process clears
# the cache at once; one on another process is seen within the TTL (until then the local runtime answers, as it
# did before the remote agent registered).
_handlers: TTLCache[str | None] = TTLCache(lambda: getattr(settings, "GATEWAY_WS_AGENT_CACHE_TTL", 2.0))
_ANY = ("any live registration",)  # its cache key; agent names are strings, never this tuple


def clear() -> None:
    """Forget every remembered lookup (tests: the cache outlives a test's database)."""
    _handlers.clear()


def forget_handlers() -> None:
    """Drop the remembered lookups now and again when the caller's transaction commits (a lookup on another
    thread in between would otherwise remember the state before the write)."""
    _handlers.clear()
    transaction.on_commit(_handlers.clear)


class RemoteAgentError(Exception):
    """The remote agent did not answer in time or answered with an error."""


def register(agent_name: str, connection_id: str, channel_name: str) -> None:
    beat()
    RemoteAgent.objects.update_or_create(
        connection_id=connection_id,
        defaults={"agent_name": agent_name, "channel_name": channel_name, "server_id": SERVER_ID},
    )
    forget_handlers()


def unregister(connection_id: str, agent_name: str | None = None) -> int:
    rows = RemoteAgent.objects.filter(connection_id=connection_id)
    if agent_name:
        rows = rows.filter(agent_name=agent_name)
    deleted, _ = rows.delete()
    if deleted:
        forget_handlers()
    return deleted


def handler_for(agent_name: str) -> str | None:
    """Channel name of the newest live registration for the agent (a fresh "none" is answered from memory)."""
    if _handlers.get(_ANY, _any_live_handler) is None:
        return None  # no remote agent anywhere: the common case costs no query within the TTL
    remembered = _handlers.peek(agent_name)
    if remembered is None:
        return None
    if remembered is MISS:
        return _handlers.get(agent_name, lambda: _live_handler(agent_name))
    return _live_handler(agent_name)


def _any_live_handler() -> str | None:
    """A channel of some live registration (any agent), or None when there is none at all."""
    return (
        RemoteAgent.objects.filter(server__heartbeat_at__gt=timezone.now() - server_ttl())
        .values_list("channel_name", flat=True)
        .first()
    )


def _live_handler(agent_name: str) -> str | None:
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
