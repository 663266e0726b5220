"""Garbage never drops the socket: every bad frame gets an `error` frame and the connection keeps working."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


async def _still_up(client) -> None:
    await client.send({"type": "ping"})
    assert (await client.recv())["type"] == "pong"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "invalid_json"),
        ("[1, 2, 3]", "invalid_frame"),
        ('"a string"', "invalid_frame"),
        ("{}", "missing_type"),
        ('{"type": 7}', "missing_type"),
        ('{"type": "bogus"}', "unknown_type"),
    ],
)
async def test_a_bad_text_frame_gets_an_error_and_the_socket_stays_up(gateway, connect, raw, code):
    client = await connect()
    await client.send(raw)
    frame = await client.recv()
    assert frame["type"] == "error"
    assert frame["code"] == code
    assert frame["data"]["code"] == code  # seed envelope too
    assert frame["event_id"] and frame["timestamp"]
    await _still_up(client)


async def test_a_binary_frame_gets_an_error(gateway, connect):
    client = await connect()
    await client.comm.send_to(bytes_data=b"\x00\x01binary")
    frame = await client.recv()
    assert frame["code"] == "binary_not_supported"
    await _still_up(client)


async def test_an_oversize_frame_gets_an_error(gateway, connect, settings):
    settings.GATEWAY_WS_MAX_PAYLOAD = 1000
    client = await connect()
    await client.send(json.dumps({"type": "message", "content": "x" * 2000}))
    frame = await client.recv()
    assert frame["code"] == "payload_too_large"
    await _still_up(client)


@pytest.mark.parametrize("content", ["", "   ", None])
async def test_empty_content_gets_an_error(gateway, connect, content):
    client = await connect()
    await client.hello()
    await client.send({"type": "message", "content": content})
    frame = await client.recv()
    assert frame["code"] == "empty_content"
    await _still_up(client)


async def test_object_content_is_stringified_like_the_reference(gateway, connect):
    client = await connect()
    await client.hello()
    await client.send({"type": "message", "content": {"q": 1}})
    final = await client.recv_until(lambda f: f.get("status") == "final")
    assert json.loads(final["content"]) == {"q": 1}


async def test_push_frames_with_a_bad_channel_name_get_an_error(gateway, connect):
    client = await connect()
    await client.send({"type": "channel.create", "channel": "no spaces allowed!"})
    frame = await client.recv()
    assert frame["code"] == "invalid_channel"
    await client.send({"type": "channel.subscribe", "channel": "never-created"})
    assert (await client.recv())["code"] == "channel_not_found"
    await _still_up(client)
