"""Broadcast to every connected WebSocket client on every process, and pipeline events for observers.

`broadcast(data)` is the service the REST API calls; consumers call `abroadcast`.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from channels_app.events import unheard
from channels_app.realtime import frames, groups


def broadcast_message(data: dict[str, Any], source: str = "gateway") -> dict[str, Any]:
    frame = frames.event("broadcast", data, source=source, target="*")
    return {"type": "ws.broadcast", "frame": frame}


async def abroadcast(data: dict[str, Any], source: str = "gateway") -> str:
    """Send a `broadcast` event to all clients; returns its event_id."""
    message = broadcast_message(data, source)
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(groups.ALL_CLIENTS, message)
    return message["frame"]["event_id"]


def broadcast(data: dict[str, Any], source: str = "gateway") -> str:
    """Sync form for the REST API and admin actions."""
    return async_to_sync(abroadcast)(data, source)


async def apublish_event(type_: str, data: dict[str, Any]) -> None:
    """Put one event on the `gateway.events` group (the same shape the pipeline publishes).

    Skipped when no one can hear it (events.unheard: the in-memory layer with no subscriber), as the pipeline's
    events are: each WebSocket turn publishes two ('message' in and out), 1 % of the embedded server's GIL time in
    a 50-client profile with nobody listening.
    """
    if unheard():
        return
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(
            groups.GATEWAY_EVENTS, {"type": "gateway.event", "payload": {"type": type_, "data": data}}
        )
