"""Pipeline events cost nothing when no one listens on the embedded (in-memory) layer, and reach a listener as soon
as there is one; on a shared layer (Redis) they are always sent, for listeners in other processes
(channels_app/events.py)."""

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
