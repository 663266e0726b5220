"""The embedded channel layer: same behaviour as Channels' in-memory layer, expiry sweep throttled."""

from __future__ import annotations

import asyncio

import pytest

from channels_app.realtime.layers import ThrottledInMemoryChannelLayer


async def test_it_delivers_group_messages_like_the_in_memory_layer():
    layer = ThrottledInMemoryChannelLayer()
    a, b = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("g", a)
    await layer.group_add("g", b)
    await layer.group_send("g", {"type": "x", "n": 1})
    assert await layer.receive(a) == {"type": "x", "n": 1}
    assert await layer.receive(b) == {"type": "x", "n": 1}


async def test_expired_messages_are_still_dropped_after_the_sweep_interval():
    layer = ThrottledInMemoryChannelLayer(clean_interval=0.05, expiry=0.01)
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "old"})
    await asyncio.sleep(0.1)
    layer._clean_expired()
    assert channel not in layer.channels


async def test_the_sweep_does_not_run_on_every_receive():
    layer = ThrottledInMemoryChannelLayer(clean_interval=60, expiry=0.01)
    busy, stale = await layer.new_channel(), await layer.new_channel()
    await layer.send(busy, {"type": "first"})
    await layer.receive(busy)  # the one sweep of this minute
    await layer.send(stale, {"type": "will expire"})
    await asyncio.sleep(0.05)
    for n in range(3):
        await layer.send(busy, {"type": "m", "n": n})
        await layer.receive(busy)
    assert stale in layer.channels  # not swept yet: no O(n) walk per receive


async def test_a_full_member_is_skipped_and_the_others_still_get_the_message():
    layer = ThrottledInMemoryChannelLayer(capacity=1)
    full, free = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("g", full)
    await layer.group_add("g", free)
    await layer.send(full, {"type": "waiting"})
    await layer.group_send("g", {"type": "x"})
    assert await layer.receive(full) == {"type": "waiting"}
    assert await layer.receive(free) == {"type": "x"}
    assert full not in layer.channels  # nothing else was queued for it


async def test_each_member_gets_its_own_copy_in_the_order_sent():
    layer = ThrottledInMemoryChannelLayer()
    a, b = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("g", a)
    await layer.group_add("g", b)
    message = {"type": "x", "frame": {"n": 1}}
    await layer.group_send("g", message)
    await layer.group_send("g", {"type": "y"})
    message["frame"]["n"] = 2  # the sender changing its dict afterwards changes nothing delivered
    first_a, first_b = await layer.receive(a), await layer.receive(b)
    assert first_a == first_b == {"type": "x", "frame": {"n": 1}}
    first_a["frame"]["n"] = 3
    assert first_b["frame"]["n"] == 1
    assert (await layer.receive(a))["type"] == (await layer.receive(b))["type"] == "y"


async def test_a_bad_channel_name_is_refused_as_by_channels():
    layer = ThrottledInMemoryChannelLayer()
    with pytest.raises(TypeError):
        await layer.send("not a valid name!", {"type": "x"})
