"""The typed events the message pipeline publishes, and how they reach the channel layer.

Every step of an inbound message's walk emits one of `EventType` to the group "gateway.events" as
`{"type": "gateway.event", "payload": {"type": <EventType>, "data": {...}, "event_id", "timestamp"}}`, only
after the database transaction that recorded the step commits. Publishing is fire-and-forget on one
background event loop per process, so a slow or absent channel layer never slows an acknowledgement; one sender
per process sends them in the order they were published.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections import deque
from enum import StrEnum
from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

GROUP = "gateway.events"
MESSAGE_TYPE = "gateway.event"
# On a shared (Redis) layer a batch waits this long for more events before it goes out. Why: the pipeline's worker
# threads publish about eight events per answered message at different moments, so without a wait nearly every
# event was a batch of its own, each paying a membership round trip (`_has_members`: 8 % of a Celery worker's CPU
# in bench/webhook_load.py --distributed). Observers see events 10 ms later; the in-memory layer does not wait.
SHARED_LAYER_WINDOW = 0.010


class EventType(StrEnum):
    """Closed set of pipeline event names (consumers switch on these)."""

    INBOUND_RECEIVED = "inbound.received"
    INBOUND_DUPLICATE = "inbound.duplicate"
    INBOUND_IGNORED = "inbound.ignored"
    INBOUND_REJECTED = "inbound.rejected"
    SESSION_RESOLVED = "session.resolved"
    AGENT_STARTED = "agent.started"
    AGENT_FINISHED = "agent.finished"
    AGENT_FAILED = "agent.failed"
    OUTBOUND_SENT = "outbound.sent"
    OUTBOUND_RETRY = "outbound.retry"
    OUTBOUND_FAILED = "outbound.failed"
    INBOUND_DONE = "inbound.done"
    INBOUND_FAILED = "inbound.failed"
    DELIVERY_STATUS = "delivery.status"


def envelope(kind: EventType, data: dict[str, Any]) -> dict[str, Any]:
    """The channel-layer message for one event."""
    return {
        "type": MESSAGE_TYPE,
        "payload": {
            "type": str(kind),
            "data": data,
            "event_id": uuid.uuid4().hex,
            "timestamp": timezone.now().isoformat(),
        },
    }


class _Publisher:
    """Sends on the server's own event loop when one is known (the in-memory layer is not thread-safe),
    else on one daemon thread running a private loop (a Redis layer binds its connections to a loop)."""

    def __init__(self) -> None:
        self._home: asyncio.AbstractEventLoop | None = None
        self._own: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        # Bounded: with the channel layer down, the oldest events are dropped (observers are optional).
        self._queued: deque[dict[str, Any]] = deque(maxlen=10_000)
        # The loop a wake-up was sent to and not yet answered (None: none pending). A loop, not a flag: a wake-up
        # sent to a loop that then stopped (a test's, or a server's at shutdown) must not silence later events.
        self._woken: asyncio.AbstractEventLoop | None = None
        self._sender: asyncio.Task[None] | None = None  # the one task sending, on the loop it runs on

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Use `loop` (the ASGI server's) from now on."""
        self._home = loop

    def _discover_home(self) -> None:
        from asgiref.sync import SyncToAsync

        # A sync view runs in a sync_to_async thread that knows the server's loop: adopt it once.
        loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
        if loop is not None and loop.is_running():
            self._home = loop

    def _loop(self) -> asyncio.AbstractEventLoop:
        if self._home is None:
            self._discover_home()
        if self._home is not None and self._home.is_running():
            return self._home
        with self._lock:
            if self._own is None or self._own.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="gateway-events", daemon=True).start()
                self._own = loop
            return self._own

    def submit(self, message: dict[str, Any]) -> None:
        """Queue `message`; the first of a burst wakes the loop once and it sends the whole burst in order.

        Why batched: a wake-up per event (eight per answered message) cost the workers a self-pipe write
        and a GIL hand-off each, and the loop a turn each, competing with the acknowledgements.
        """
        loop = self._loop()
        with self._lock:
            self._queued.append(message)
            if self._woken is loop and loop.is_running():
                return
            self._woken = loop
        try:
            loop.call_soon_threadsafe(self._wake)
        except RuntimeError:  # the loop closed under us: the next submit retries on a live one
            with self._lock:
                self._woken = None

    def _wake(self) -> None:
        """On the loop: send the burst now (in-memory layer) or once the window has gathered more (shared layer)."""
        if isinstance(get_channel_layer(), InMemoryChannelLayer):
            self._drain()
        else:
            asyncio.get_running_loop().call_later(SHARED_LAYER_WINDOW, self._drain)

    def _drain(self) -> None:
        """On the loop: start the one sender, unless it runs on this loop already (it takes what was queued
        meanwhile)."""
        sender = self._sender
        if sender is not None and not sender.done() and sender.get_loop() is asyncio.get_running_loop():
            return
        self._sender = asyncio.ensure_future(self._send_queued())

    async def _send_queued(self) -> None:
        """Send batch after batch until none is left: one sender at a time, so events go out in the order they
        were published (batches sent by concurrent tasks could overtake one another)."""
        while True:
            with self._lock:
                batch = list(self._queued)
                self._queued.clear()
                self._woken = None
            if not batch:
                return
            await _send_all(batch)


async def _send_all(messages: list[dict[str, Any]]) -> None:
    if not await _has_members():
        return
    for message in messages:
        await _send(message)


async def _has_members() -> bool:
    """Whether the group has any member, asked once per batch of a shared (Redis) layer.

    Why: a group send to an empty group still costs two Redis round trips (expire the old members, list them),
    and the pipeline publishes about eight events per answered message, so with nobody watching that was ~6 % of
    a Celery worker's CPU per message (bench/webhook_load.py --distributed). One count per batch instead: the
    events of a batch reach exactly whoever is a member at that moment, as a group send would.
    """
    layer = get_channel_layer()
    if layer is None or not all(hasattr(layer, name) for name in ("_group_key", "consistent_hash", "connection")):
        return True  # not channels_redis's layer: let its own group_send decide
    try:
        connection = layer.connection(layer.consistent_hash(GROUP))
        return bool(await connection.zcard(layer._group_key(GROUP)))
    except Exception:  # the send reports a broken layer in its own words
        return True


async def _send(message: dict[str, Any]) -> None:
    from channels.layers import get_channel_layer

    try:
        layer = get_channel_layer()
        if layer is not None:
            await layer.group_send(GROUP, message)
    except Exception:  # observers are optional; the pipeline must not care
        logger.warning("could not publish %s", message["payload"]["type"], exc_info=True)


_publisher = _Publisher()


def unheard() -> bool:
    """Whether no one can receive an event now: the in-memory layer (embedded mode) with no member in the group.

    Why: the pipeline publishes about eight events per answered message; with no dashboard, WebSocket subscriber
    or test listening, building and sending them was ~4 % of the embedded server's CPU per message
    (bench/webhook_load.py). A shared layer (Redis) may have listeners in other processes: always handed to the
    publisher there, which asks the group once per batch (`_has_members`).
    """
    layer = get_channel_layer()
    return isinstance(layer, InMemoryChannelLayer) and not layer.groups.get(GROUP)


def publish(kind: EventType, **data: Any) -> None:
    """Publish after the current transaction commits (immediately when none is open)."""
    if unheard():
        return
    message = envelope(kind, data)
    transaction.on_commit(lambda: _publisher.submit(message), robust=True)


def publish_now(kind: EventType, **data: Any) -> None:
    """Publish at once, without waiting for a transaction: for async code (an event loop has no transaction to
    wait for, and asking Django for one there is not allowed)."""
    if unheard():
        return
    _publisher.submit(envelope(kind, data))


def bind_event_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Let the server tell the publisher which loop its consumers live on."""
    _publisher.bind(loop)


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The running loop the server's consumers live on, once a request or a socket has told us (else None).

    Code on another thread or loop must send through the in-memory channel layer on this loop: its queues wake
    only waiters of their own loop.
    """
    loop = _publisher._home
    return loop if loop is not None and loop.is_running() else None
