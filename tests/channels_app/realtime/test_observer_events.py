"""A WebSocket turn's observer events ('message' in and out) are sent only when someone can hear them."""

from __future__ import annotations

from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer

from channels_app.realtime import broadcast, groups


async def test_observer_events_are_skipped_until_someone_subscribes(monkeypatch) -> None:
    layer = get_channel_layer()
    sent: list[tuple[str, dict[str, Any]]] = []

    async def record(group: str, message: dict[str, Any]) -> None:
        sent.append((group, message))

    monkeypatch.setattr(layer, "group_send", record)
    await broadcast.apublish_event("message", {"direction": "in"})
    # The in-memory layer with nobody in gateway.events: skipped. A shared layer (Redis) may have listeners in other
    # processes: always sent.
    heard_first = [] if isinstance(layer, InMemoryChannelLayer) else [{"direction": "in"}]
    assert [message["payload"]["data"] for _, message in sent] == heard_first
    await layer.group_add(groups.GATEWAY_EVENTS, await layer.new_channel())
    await broadcast.apublish_event("message", {"direction": "out"})
    assert [message["payload"]["data"] for _, message in sent] == [*heard_first, {"direction": "out"}]
    assert {group for group, _ in sent} == {groups.GATEWAY_EVENTS}
