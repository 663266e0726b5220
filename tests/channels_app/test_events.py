"""Pipeline events cost nothing when no one listens on the embedded (in-memory) layer, and reach a listener as soon
as there is one; on a shared layer (Redis) they are always handed to the publisher, for listeners in other
processes, which sends a batch only when the group has members (channels_app/events.py)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer

from channels_app import events


@pytest.mark.django_db(transaction=True)
def test_an_event_is_built_only_when_someone_listens(monkeypatch) -> None:
    submitted: list[dict] = []
    monkeypatch.setattr(events._publisher, "submit", submitted.append)
    layer = get_channel_layer()
    embedded = isinstance(layer, InMemoryChannelLayer)
    events.publish(events.EventType.INBOUND_DONE, instance="slack-main", event_id=1)
    assert len(submitted) == (0 if embedded else 1)
    submitted.clear()

    channel = asyncio.run(layer.new_channel())
    asyncio.run(layer.group_add(events.GROUP, channel))
    try:
        events.publish(events.EventType.INBOUND_DONE, instance="slack-main", event_id=2)
    finally:
        asyncio.run(layer.group_discard(events.GROUP, channel))
    assert [m["payload"]["data"]["event_id"] for m in submitted] == [2]


@pytest.mark.django_db(transaction=True)
def test_on_a_shared_layer_a_batch_goes_out_only_when_the_group_has_members(monkeypatch) -> None:
    """One count per batch instead of two Redis round trips per event; whoever is a member gets every event."""
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        pytest.skip("the shared (Redis) layer is set by REDIS_URL")
    sent: list[dict] = []
    real_send = layer.group_send

    async def counting_send(group: str, message: dict) -> None:
        sent.append(message)
        await real_send(group, message)

    monkeypatch.setattr(layer, "group_send", counting_send)
    batch = [events.envelope(events.EventType.INBOUND_DONE, {"event_id": n}) for n in (1, 2, 3)]

    async def scenario() -> list[int]:
        # Earlier tests' sockets may still be members (the layer expires them after a day): start from none.
        await layer.connection(layer.consistent_hash(events.GROUP)).delete(layer._group_key(events.GROUP))
        await events._send_all(batch)  # nobody in the group: nothing is sent
        assert sent == []
        channel = await layer.new_channel()
        await layer.group_add(events.GROUP, channel)
        try:
            await events._send_all(batch)
            return [(await layer.receive(channel))["payload"]["data"]["event_id"] for _ in batch]
        finally:
            await layer.group_discard(events.GROUP, channel)

    assert asyncio.run(scenario()) == [1, 2, 3]
    assert len(sent) == 3


async def _join(layer) -> str:
    """A new channel, made a member of the events group."""
    channel = await layer.new_channel()
    await layer.group_add(events.GROUP, channel)
    return channel


@pytest.mark.django_db(transaction=True)
def test_on_a_shared_layer_events_published_moments_apart_go_out_as_one_batch(monkeypatch) -> None:
    """Worker threads publish a message's events at different moments: one membership check covers them all, and a
    member still receives each, in order."""
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        pytest.skip("the shared (Redis) layer is set by REDIS_URL")
    checks: list[int] = []
    real_has_members = events._has_members

    async def counting_has_members() -> bool:
        checks.append(1)
        return await real_has_members()

    monkeypatch.setattr(events, "_has_members", counting_has_members)
    publisher = events._Publisher()  # its own loop thread, as in a Celery worker

    loop = publisher._loop()
    channel = asyncio.run_coroutine_threadsafe(_join(layer), loop).result(5)
    try:
        for n in range(5):
            publisher.submit(events.envelope(events.EventType.INBOUND_DONE, {"event_id": n}))
            time.sleep(0.001)  # well inside the window

        async def receive_all() -> list[int]:
            return [(await layer.receive(channel))["payload"]["data"]["event_id"] for _ in range(5)]

        assert asyncio.run_coroutine_threadsafe(receive_all(), loop).result(5) == [0, 1, 2, 3, 4]
        assert len(checks) == 1
    finally:
        asyncio.run_coroutine_threadsafe(layer.group_discard(events.GROUP, channel), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)


def _running_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    return loop


@pytest.mark.django_db(transaction=True)
def test_a_loop_that_stops_with_events_in_flight_does_not_silence_later_events() -> None:
    """The server's loop (or a test's) can stop between an event's wake-up and its send: that event goes with the
    loop, but the next ones, on the next loop, still reach their listener."""
    layer = get_channel_layer()
    publisher = events._Publisher()
    first = _running_loop()
    publisher.bind(first)
    publisher.submit(events.envelope(events.EventType.INBOUND_DONE, {"event_id": 1}))
    first.call_soon_threadsafe(first.stop)  # right behind the wake-up: the send never gets its turn
    deadline = time.monotonic() + 5
    while first.is_running() and time.monotonic() < deadline:
        time.sleep(0.01)

    second = _running_loop()
    publisher.bind(second)

    channel = asyncio.run_coroutine_threadsafe(_join(layer), second).result(5)
    try:
        publisher.submit(events.envelope(events.EventType.INBOUND_DONE, {"event_id": 2}))

        async def next_event() -> int:
            return (await layer.receive(channel))["payload"]["data"]["event_id"]

        received = asyncio.run_coroutine_threadsafe(next_event(), second).result(5)
        assert received in (1, 2)  # the first may ride along with the second (it was still queued)
        if received == 1:
            assert asyncio.run_coroutine_threadsafe(next_event(), second).result(5) == 2
    finally:
        asyncio.run_coroutine_threadsafe(layer.group_discard(events.GROUP, channel), second).result(5)
        second.call_soon_threadsafe(second.stop)
