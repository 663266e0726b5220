"""Push pub/sub over /ws: channels, publish with sequence numbers, acks, redelivery, replay to a returning identity."""

from __future__ import annotations

import asyncio

import pytest

from tests.channels_app.realtime.conftest import db_call

pytestmark = pytest.mark.django_db(transaction=True)


async def _subscriber(connect, client_id: str, channel: str = "news", caps: list[str] | None = None):
    client = await connect()
    await client.hello(client_id=client_id, capabilities=caps or [])
    await client.send({"type": "channel.subscribe", "channel": channel})
    assert (await client.recv_type("channel.subscribed"))["ok"] is True
    return client


async def test_create_list_subscribe_publish_and_receive(gateway, connect):
    pub = await connect()
    await pub.hello(client_id="pub")
    await pub.send({"type": "channel.create", "channel": "news", "metadata": {"topic": "all"}})
    assert await pub.recv() == {"type": "channel.created", "channel": "news", "ok": True, "created": True}
    sub = await _subscriber(connect, "sub-1")
    await pub.send({"type": "channel.publish", "channel": "news", "data": {"headline": "hi"}})
    published = await pub.recv_type("channel.published")
    assert published["delivered"] == 1
    assert published["seq"] == 1
    msg = await sub.recv_type("channel_message")
    assert msg["channel"] == "news"
    assert msg["data"] == {"headline": "hi"}
    assert msg["seq"] == 1
    assert msg["source"] == "pub"
    assert msg["event_id"] == published["event_id"]
    await pub.send({"type": "channel.list"})
    listing = await pub.recv_type("channel.list")
    assert listing["channels"] == [{"channel": "news", "metadata": {"topic": "all"}, "subscribers": 1, "last_seq": 1}]


async def test_the_publisher_does_not_receive_its_own_message(gateway, connect):
    from channels_app.realtime import push

    await db_call(push.channel_create, "news")
    both = await _subscriber(connect, "both")
    await both.send({"type": "channel.publish", "channel": "news", "data": {"n": 1}})
    assert (await both.recv_type("channel.published"))["delivered"] == 0
    assert await both.nothing()


async def test_unacked_messages_are_redelivered_until_acked(gateway, connect, settings):
    from channels_app.realtime import push

    settings.GATEWAY_WS_ACK_TIMEOUT = 0.1
    await db_call(push.channel_create, "news")
    sub = await _subscriber(connect, "acker", caps=["ack"])
    await db_call(push.publish, "news", {"n": 1})
    first = await sub.recv_type("channel_message")
    again = await sub.recv_type("channel_message")
    assert again["event_id"] == first["event_id"]
    assert again["_redelivered"] is True
    await sub.send({"type": "message_ack", "event_id": first["event_id"]})
    assert (await sub.recv_type("ack_received"))["ok"] is True
    await asyncio.sleep(0.4)
    while not await sub.nothing(0.1):
        frame = await sub.recv()
        assert frame["type"] in {"ping", "channel_message"}  # a redelivery already in flight at ack time is fine
    assert await sub.nothing(0.4)


async def test_a_nack_gets_an_immediate_redelivery(gateway, connect):
    from channels_app.realtime import push

    await db_call(push.channel_create, "news")
    sub = await _subscriber(connect, "nacker", caps=["ack"])
    await db_call(push.publish, "news", {"n": 1})
    first = await sub.recv_type("channel_message")
    await sub.send({"type": "message_nack", "event_id": first["event_id"]})
    assert (await sub.recv_type("nack_received"))["ok"] is True
    again = await sub.recv_type("channel_message")
    assert again["event_id"] == first["event_id"]
    assert again["_redelivered"] is True


async def test_a_returning_identity_gets_what_it_missed_exactly_once_after_ack(gateway, connect):
    from channels_app.realtime import push

    await db_call(push.channel_create, "news")
    sub = await _subscriber(connect, "phone", caps=["ack"])
    await db_call(push.publish, "news", {"n": 1})
    got = await sub.recv_type("channel_message")
    await sub.send({"type": "message_ack", "event_id": got["event_id"]})
    await sub.recv_type("ack_received")
    await sub.close()
    for n in (2, 3):
        await db_call(push.publish, "news", {"n": n})
    back = await connect()
    await back.hello(client_id="phone", capabilities=["ack"])
    missed = [await back.recv_type("channel_message") for _ in range(2)]
    assert [m["data"]["n"] for m in missed] == [2, 3]
    assert all(m["_replayed"] for m in missed)
    for m in missed:
        await back.send({"type": "message_ack", "event_id": m["event_id"]})
        await back.recv_type("ack_received")
    await back.close()
    third = await connect()
    await third.hello(client_id="phone", capabilities=["ack"])
    assert await third.nothing(0.3)
    assert await db_call(push.pending, "phone") == []


async def test_a_client_without_ack_capability_counts_sent_as_delivered(gateway, connect):
    from channels_app.realtime import push

    await db_call(push.channel_create, "news")
    sub = await _subscriber(connect, "legacy")
    await db_call(push.publish, "news", {"n": 1})
    await sub.recv_type("channel_message")
    await sub.close()
    assert await db_call(push.pending, "legacy") == []


async def test_unsubscribe_stops_delivery(gateway, connect):
    from channels_app.realtime import push

    await db_call(push.channel_create, "news")
    sub = await _subscriber(connect, "leaver")
    await sub.send({"type": "channel.unsubscribe", "channel": "news"})
    assert (await sub.recv_type("channel.unsubscribed"))["ok"] is True
    await db_call(push.publish, "news", {"n": 1})
    assert await sub.nothing(0.3)


async def test_push_frames_are_refused_when_push_is_disabled(gateway, connect):
    gateway.push_enabled = False
    await db_call(gateway.save)
    client = await connect()
    await client.send({"type": "channel.list"})
    assert (await client.recv())["code"] == "push_disabled"


async def test_presence_heartbeat_query_join_and_leave(gateway, connect):
    from channels_app.realtime import push

    await db_call(push.channel_create, "room")
    watcher = await _subscriber(connect, "watcher", "room")
    other = await _subscriber(connect, "other", "room")
    await other.send({"type": "presence.heartbeat", "status": "busy", "metadata": {"device": "phone"}})
    assert (await other.recv_type("presence.heartbeat_ack"))["status"] == "busy"
    joined = await watcher.recv_type("presence_join")
    assert joined["data"]["client_id"] == "other"
    await watcher.send({"type": "presence.query", "channel": "room"})
    listing = await watcher.recv_type("presence.list")
    assert [(c["client_id"], c["status"], c["metadata"]) for c in listing["clients"]] == [
        ("other", "busy", {"device": "phone"})
    ]
    await other.close()
    left = await watcher.recv_type("presence_leave")
    assert left["data"]["client_id"] == "other"


async def test_the_sweeper_marks_silent_clients_offline(gateway, settings):
    from channels_app.realtime import maintenance, presence, push

    settings.GATEWAY_WS_PRESENCE_TIMEOUT = 0.05
    await db_call(push.channel_create, "room")
    await db_call(presence.heartbeat, "ghost")
    await asyncio.sleep(0.1)
    assert await db_call(maintenance.run_once) == ["ghost"]
    assert await db_call(presence.query, None, 60) == []


async def test_a_slow_consumer_with_too_many_unacked_messages_is_closed_1013(gateway, connect, settings):
    from channels_app.realtime import push

    settings.GATEWAY_WS_MAX_UNACKED = 3
    await db_call(push.channel_create, "firehose")
    sub = await _subscriber(connect, "slow", "firehose", caps=["ack"])
    for n in range(5):
        await db_call(push.publish, "firehose", {"n": n})
    while True:
        out = await sub.comm.receive_output(timeout=3)
        if out["type"] == "websocket.close":
            assert out["code"] == 1013
            break


async def test_an_unnamed_client_that_reconnects_gets_what_was_published_while_it_was_away(gateway, connect):
    """PraisonAI's PushClient: no hello, no client_id; after a reconnect it only re-sends channel.subscribe."""
    pub = await connect()
    await pub.hello(client_id="pub")
    await pub.send({"type": "channel.create", "channel": "alerts"})
    await pub.recv_type("channel.created")
    first = await connect()
    await first.send({"type": "channel.subscribe", "channel": "alerts"})
    await first.recv_type("channel.subscribed")
    await first.close()
    await pub.send({"type": "channel.publish", "channel": "alerts", "data": {"n": "while away"}})
    assert (await pub.recv_type("channel.published"))["delivered"] == 1
    back = await connect()
    await back.send({"type": "channel.subscribe", "channel": "alerts"})
    assert (await back.recv_type("channel.subscribed"))["ok"] is True
    missed = await back.recv_type("channel_message")
    assert missed["data"] == {"n": "while away"} and missed["_replayed"] is True
    await pub.send({"type": "channel.publish", "channel": "alerts", "data": {"n": "live"}})
    assert (await back.recv_type("channel_message"))["data"] == {"n": "live"}


async def test_an_unnamed_client_of_another_token_does_not_take_over(gateway, connect):
    from channels_app.realtime.models import AccessToken

    _, other_token = await db_call(AccessToken.issue, "other-reader", ["read"])
    pub = await connect()
    await pub.hello(client_id="pub")
    await pub.send({"type": "channel.create", "channel": "alerts"})
    await pub.recv_type("channel.created")
    first = await connect()
    await first.send({"type": "channel.subscribe", "channel": "alerts"})
    await first.recv_type("channel.subscribed")
    await first.close()
    await pub.send({"type": "channel.publish", "channel": "alerts", "data": {"n": 1}})
    await pub.recv_type("channel.published")
    stranger = await connect(token=other_token)
    await stranger.send({"type": "channel.subscribe", "channel": "alerts"})
    await stranger.recv_type("channel.subscribed")
    assert await stranger.nothing()
