"""A connection's slot (its lease against max_connections) is always given back, and no frame can crash the socket."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import get_channel_layer

from channels_app.realtime import connections, groups
from tests.channels_app.realtime.conftest import db_call

pytestmark = pytest.mark.django_db(transaction=True)

DEEP_LIST = "[" * 100000 + "]" * 100000
DEEP_OBJECT = '{"type": "message", "content": ' + '{"a": ' * 50000 + "1" + "}" * 50000 + "}"


async def _wait_for_leases(expected: int) -> int:
    for _ in range(100):
        count = await db_call(connections.live_count)
        if count == expected:
            return count
        await asyncio.sleep(0.05)
    return count


@pytest.mark.parametrize("raw", [DEEP_LIST, DEEP_OBJECT], ids=["deep_list", "deep_object"])
async def test_a_deeply_nested_frame_gets_an_error_frame_and_the_socket_stays_up(gateway, connect, settings, raw):
    settings.GATEWAY_WS_MAX_PAYLOAD = 4 * 1024 * 1024
    client = await connect()
    await client.hello()
    await client.send(raw)
    frame = await client.recv()
    assert frame["type"] == "error"
    assert frame["code"] == "invalid_json"
    await client.send({"type": "ping"})
    assert (await client.recv())["type"] == "pong"


async def test_deeply_nested_frames_never_lock_clients_out(gateway, connect, settings):
    settings.GATEWAY_WS_MAX_CONNECTIONS = 2
    settings.GATEWAY_WS_MAX_PAYLOAD = 1024 * 1024
    for _ in range(5):
        attacker = await connect()
        await attacker.hello()
        await attacker.send(DEEP_LIST)
        assert (await attacker.recv())["code"] == "invalid_json"
        await attacker.close()
    assert await _wait_for_leases(0) == 0
    client = await connect()
    assert (await client.hello())["type"] == "hello_ok"


async def test_a_connection_that_crashes_still_gives_its_slot_back(gateway, connect, settings):
    settings.GATEWAY_WS_MAX_CONNECTIONS = 1
    client = await connect()
    assert (await client.hello())["type"] == "hello_ok"
    assert await _wait_for_leases(1) == 1
    # A message no handler knows makes Channels raise inside the consumer: the socket ends however it ends ...
    await get_channel_layer().group_send(groups.ALL_CLIENTS, {"type": "no.such.handler"})
    with pytest.raises(Exception):  # noqa: B017, PT011 - whichever way the communicator reports the crash
        await client.comm.receive_output(timeout=2)
    # ... and the slot is free again for the next client.
    assert await _wait_for_leases(0) == 0
    again = await connect()
    assert (await again.hello())["type"] == "hello_ok"


async def test_a_fan_out_message_that_fails_is_logged_and_the_socket_stays_up(gateway, connect, caplog):
    client = await connect()
    assert (await client.hello())["type"] == "hello_ok"
    # A push frame without its fields makes the handler raise; the connection must survive it.
    await get_channel_layer().group_send(groups.ALL_CLIENTS, {"type": "ws.broadcast"})
    await client.send({"type": "ping"})
    assert (await client.recv_type("pong"))["type"] == "pong"
    assert "channel-layer message ws.broadcast failed" in caplog.text
