"""Per-connection bounds: queued turns are capped by the max_queued_frames hello_ok advertises, and leave with the client.

(The outbound byte bound for a client that stops reading is rungateway's server layer: tests/process/test_slow_consumer.py.)
"""

from __future__ import annotations

import asyncio

import pytest

from tests.channels_app.realtime import handlers
from tests.channels_app.realtime.conftest import db_call

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def counted_turns(settings) -> None:
    settings.GATEWAY_WS_TURN_HANDLER = "tests.channels_app.realtime.handlers.counted_turn"
    handlers.STARTED.clear()


async def test_a_client_queueing_more_turns_than_max_queued_frames_is_evicted_with_1013(gateway, connect, settings):
    settings.GATEWAY_WS_MAX_QUEUED_FRAMES = 3
    client = await connect()
    hello = await client.hello()
    assert hello["policy"]["max_queued_frames"] == 3
    for n in range(6):
        await client.send({"type": "message", "content": f"turn {n}"})
    evicted = await client.recv_type("error", wait=5)
    assert evicted["code"] == "evicted" and evicted["close_code"] == 1013
    assert "max_queued_frames" in evicted["message"]
    assert (await client.comm.receive_output(timeout=3))["code"] == 1013


async def test_queued_turns_are_cancelled_when_the_client_leaves_and_the_answered_one_stays(gateway, connect):
    from channels_app.realtime.models import SessionFrame

    client = await connect()
    await client.hello()
    for n in range(5):
        await client.send({"type": "message", "content": f"turn {n}"})
    for _ in range(5):
        await client.recv_type("response")  # accepted / queued acknowledgements
    await client.close()
    await asyncio.sleep(2)
    assert handlers.STARTED == ["turn 0"]
    frames = await db_call(lambda: [f.frame for f in SessionFrame.objects.all()])
    answered = [f.get("content") for f in frames if f.get("type") == "response" and f.get("status") == "final"]
    assert answered == ["done: turn 0"]  # kept for the client's resume; the four queued behind it never ran
