"""The broker transport for redis:// (gatewaysite/broker.py) against the real Redis: messages arrive in order, an
acknowledged one leaves nothing behind, an unacknowledged one goes back to the queue when its consumer goes away,
and the channel keeps one client instead of building one per command."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from kombu import Connection

from gatewaysite.broker import Channel, Transport

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL.startswith("redis://"), reason="REDIS_URL (redis://) is not set")


@pytest.fixture
def connection() -> Iterator[Connection]:
    """A connection of its own: every key under a fresh prefix, so other tests sharing this Redis are not seen."""
    prefix = f"test-broker-{uuid.uuid4().hex}:"
    with Connection(REDIS_URL, transport=Transport, transport_options={"global_keyprefix": prefix}) as conn:
        yield conn
        client = conn.default_channel._create_client()
        for key in client.keys("*"):  # already prefixed by the client
            client.delete(key.decode().removeprefix(prefix))


@needs_redis
def test_the_gateway_s_celery_app_sends_through_this_transport() -> None:
    from gatewaysite.celery import app

    with app.connection_for_write() as conn:
        assert isinstance(conn.default_channel, Channel)


@needs_redis
def test_messages_arrive_in_order_and_an_acknowledged_one_leaves_nothing_unacked(connection) -> None:
    queue = connection.SimpleQueue("work")
    for n in range(3):
        queue.put({"n": n})
    received = []
    for _ in range(3):
        message = queue.get(timeout=5)
        received.append(message.payload["n"])
        channel = queue.channel
        assert channel.client.hlen(channel.unacked_key) == 1  # held while it is being worked on
        message.ack()
        assert channel.client.hlen(channel.unacked_key) == 0
    assert received == [0, 1, 2]
    queue.close()


@needs_redis
def test_a_message_never_acknowledged_goes_back_to_the_queue(connection) -> None:
    channel = connection.channel()
    queue = connection.SimpleQueue("work", channel=channel)
    queue.put({"n": 1})
    assert queue.get(timeout=5).payload == {"n": 1}  # taken, not acknowledged: the worker died
    channel.close()  # kombu restores what the channel had not acknowledged
    again = connection.SimpleQueue("work", channel=connection.channel())
    message = again.get(timeout=5)
    assert message.payload == {"n": 1}
    message.ack()
    again.close()


@needs_redis
def test_the_channel_keeps_one_client_until_its_pool_is_replaced(connection) -> None:
    channel = connection.channel()
    first = channel._create_client()
    assert channel._create_client() is first
    assert channel._create_client(asynchronous=True) is not first  # the consumer's own, as kombu has it
    channel._pool = None  # what a reconnect does
    assert channel._create_client() is not first
    channel.close()
