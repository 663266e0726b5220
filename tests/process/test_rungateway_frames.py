"""A real `manage.py rungateway`: a frame over the consumer's 1 MiB limit gets an `error` frame, not Daphne's 1009.

Daphne's own default frame/message limit is also 1 MiB and closes the socket before the consumer sees the frame;
rungateway raises Daphne's limit to 16 MiB so the consumer's `max_payload` check answers and the socket stays up.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect

from tests.e2e.processes import Proc, base_env, manage
from tests.process.servers import free_port, prepare_embedded

TOKEN = "rungateway-frame-token"


@pytest.fixture
def gateway_url(tmp_path) -> Iterator[str]:
    env = base_env(tmp_path / "data", GATEWAY_SHUTDOWN_TIMEOUT="2", LOG_LEVEL="WARNING")
    # base_env runs the gateway embedded (no DATABASE_URL/REDIS_URL), so prepare that same SQLite data dir.
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
        yield f"ws://127.0.0.1:{port}/ws?token={TOKEN}"
    finally:
        proc.stop()


async def _recv_type(ws, type_: str) -> dict:
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("type") == type_:
            return frame


@pytest.mark.timeout(90)
async def test_a_frame_over_one_mib_gets_an_error_frame_and_the_socket_stays_up(gateway_url) -> None:
    async with connect(gateway_url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "hello", "agent_id": "helper", "protocol_min": 1, "protocol_max": 1}))
        await _recv_type(ws, "hello_ok")
        await ws.send(json.dumps({"type": "message", "content": "x" * (2 * 1024 * 1024)}))
        error = await _recv_type(ws, "error")
        assert error["code"] == "payload_too_large"
        await ws.send(json.dumps({"type": "message", "content": "still here?"}))
        final = await _recv_type(ws, "response")
        while final.get("status") != "final":
            final = await _recv_type(ws, "response")
        assert final["content"] == "still here?"
