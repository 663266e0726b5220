"""Pipeline events cost nothing when no one listens on the embedded (in-memory) layer, and reach a listener as soon
as there is one; on a shared layer (Redis) they are always handed to the publisher, for listeners in other
processes, which sends a batch only when the group has members (channels_app/events.py)."""

from __future__ import annotations

import asyncio

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
