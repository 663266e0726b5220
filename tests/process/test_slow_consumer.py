"""A real `manage.py rungateway`: a subscriber that stops reading is closed (1013) instead of growing the server.

Twisted keeps every frame the kernel will not take; without a bound one such subscriber grew the server by hundreds
of MB. rungateway's server layer checks the socket's send buffer before each frame (GATEWAY_WS_MAX_BUFFERED_BYTES).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.processes import Proc, base_env, manage
from tests.process.servers import free_port, prepare_embedded

TOKEN = "rungateway-slow-consumer-token"
MESSAGE = "x" * (256 * 1024)
MESSAGES = 160  # 40 MiB published while the subscriber reads nothing


@pytest.fixture
def gateway(tmp_path) -> Iterator[tuple[str, Proc]]:
    env = base_env(tmp_path / "data", GATEWAY_SHUTDOWN_TIMEOUT="2", LOG_LEVEL="WARNING")
    env["GATEWAY_WS_MAX_BUFFERED_BYTES"] = str(1024 * 1024)
    prepare_embedded(
        {
            "GATEWAY_DATA_DIR": env["GATEWAY_DATA_DIR"],
            "SECRET_KEY": env["SECRET_KEY"],
            "DATABASE_URL": None,
            "REDIS_URL": None,
        },
        TOKEN,
    )
    port = free_port()
    args = ("rungateway", "--host", "127.0.0.1", "--port", str(port), "--no-schedules", "--no-listeners")
    proc = Proc("rungateway", manage(*args), env, tmp_path / "rungateway.log").start()
    try:
        deadline = time.monotonic() + 60
        while f"127.0.0.1:{port}" not in proc.log():
            assert proc.running(), proc.log()[-3000:]
            assert time.monotonic() < deadline, "rungateway did not start:\n" + proc.log()[-3000:]
            time.sleep(0.1)
        yield f"ws://127.0.0.1:{port}/ws?token={TOKEN}", proc
    finally:
        proc.stop()


async def _recv_type(ws, type_: str) -> dict:
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("type") == type_:
            return frame


@pytest.mark.timeout(120)
async def test_a_subscriber_that_stops_reading_is_evicted_instead_of_buffering_everything(gateway) -> None:
    url, proc = gateway
    # max_queue=1: the client library stops reading the socket as soon as one frame waits, like a stuck app.
    async with connect(url + "&client_id=stuck", max_size=None, max_queue=1) as slow:
        await slow.send(json.dumps({"type": "channel.create", "channel": "feed"}))
        await _recv_type(slow, "channel.created")
        await slow.send(json.dumps({"type": "channel.subscribe", "channel": "feed"}))
        await _recv_type(slow, "channel.subscribed")
        async with connect(url + "&client_id=publisher", max_size=None) as pub:
            for _ in range(MESSAGES):
                await pub.send(json.dumps({"type": "channel.publish", "channel": "feed", "data": {"blob": MESSAGE}}))
                await _recv_type(pub, "channel.published")
        await asyncio.sleep(1)
        received = 0
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                received += len(await asyncio.wait_for(slow.recv(), 10))
    # The server sent close 1013 behind what was already buffered; a client too slow to read up to it before the
    # close handshake times out sees the connection dropped instead. Either way nothing more was buffered for it.
    assert closed.value.rcvd is None or closed.value.rcvd.code == 1013, closed.value
    assert received < MESSAGES * len(MESSAGE) / 2, received  # most of the 40 MiB was never buffered for it
    assert "stopped reading" in proc.log(), proc.log()[-2000:]
