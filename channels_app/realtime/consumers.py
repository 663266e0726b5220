"""The /ws consumer: the reference protocol (hello, message/response, abort, leave, ping) plus push and control frames.

`GatewayConsumer` is assembled from one class per concern (channels_app/realtime/consumer/): the connection itself,
its ticker, session, turns, push, presence and control (broadcast, events, remote agents). This module holds the
frame table that mounts their handlers, so the whole protocol reads in one place.
"""

from __future__ import annotations

from typing import ClassVar

from channels_app.realtime.consumer.base import (
    CLOSE_AUTH,
    CLOSE_LIVENESS,
    CLOSE_SLOW_CONSUMER,
    FrameHandler,
    PendingDelivery,
)
from channels_app.realtime.consumer.control import ControlHandlers
from channels_app.realtime.consumer.liveness import LivenessMixin
from channels_app.realtime.consumer.presence import PresenceHandlers
from channels_app.realtime.consumer.push import PushHandlers
from channels_app.realtime.consumer.session import SessionHandlers
from channels_app.realtime.consumer.turns import STOP_ALL, STOP_TURN, TurnHandlers

__all__ = [
    "CLOSE_AUTH",
    "CLOSE_LIVENESS",
    "CLOSE_SLOW_CONSUMER",
    "STOP_ALL",
    "STOP_TURN",
    "GatewayConsumer",
    "PendingDelivery",
]


class GatewayConsumer(SessionHandlers, TurnHandlers, PushHandlers, PresenceHandlers, ControlHandlers, LivenessMixin):
    """One WebSocket client: an app, a dashboard, a push subscriber or a remote agent."""

    HANDLERS: ClassVar[dict[str, FrameHandler]] = {
        "hello": SessionHandlers.on_hello,
        "join": SessionHandlers.on_join,
        "leave": SessionHandlers.on_leave,
        "ping": SessionHandlers.on_ping,
        "pong": SessionHandlers.on_pong,
        "message": TurnHandlers.on_message,
        "abort": TurnHandlers.on_abort,
        "message_abort": TurnHandlers.on_abort,
        "channel.create": PushHandlers.on_channel_create,
        "channel.subscribe": PushHandlers.on_channel_subscribe,
        "channel.unsubscribe": PushHandlers.on_channel_unsubscribe,
        "channel.publish": PushHandlers.on_channel_publish,
        "channel.list": PushHandlers.on_channel_list,
        "message_ack": PushHandlers.on_message_ack,
        "message_nack": PushHandlers.on_message_nack,
        "presence.heartbeat": PresenceHandlers.on_presence_heartbeat,
        "presence.query": PresenceHandlers.on_presence_query,
        "broadcast": ControlHandlers.on_broadcast,
        "events.subscribe": ControlHandlers.on_events_subscribe,
        "events.unsubscribe": ControlHandlers.on_events_unsubscribe,
        "agent.register": ControlHandlers.on_agent_register,
        "agent.unregister": ControlHandlers.on_agent_unregister,
        "agent_response": ControlHandlers.on_agent_response,
    }
