"""Two real `daphne gatewaysite.asgi:application` processes sharing PostgreSQL and Redis.

Shows: a publish on one reaches a subscriber on the other; a broadcast reaches clients on both; max_connections
holds across both; a client that drops and reconnects to the other process resumes its session and gets the push
messages it missed, each exactly once after ack.
"""

from __future__ import annotations

import asyncio
import json
import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from websockets.asyncio.client import connect

from channels_app.realtime.client import GatewayClient
from tests.process.servers import free_port, start_daphne, stop

pytestmark = [
    pytest.mark.skipif(
        not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")),
        reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL (Redis) shared by both processes",
    ),
    pytest.mark.django_db(transaction=True),
]
TOKEN = "two-daphnes-token"


def _test_database_url() -> str:
    """DATABASE_URL pointing at the database pytest-django created (test_<name>), so the servers see our rows."""
    from django.conf import settings

    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker):
    env = {
        "DATABASE_URL": _test_database_url(),
        "GATEWAY_WS_HEARTBEAT_INTERVAL": "2",
        "GATEWAY_WS_ACK_TIMEOUT": "2",
        "GATEWAY_WS_SERVER_BEAT": "2",
        "GATEWAY_WS_CONFIG_TTL": "0",
    }
    ports = [free_port(), free_port()]
    procs = [start_daphne(env, f"tcp:port={p}:interface=127.0.0.1", p) for p in ports]
    yield [f"ws://127.0.0.1:{p}/ws" for p in ports]
    for proc in procs:
        stop(proc)


@pytest.fixture
def gateway(transactional_db):
    from agents_app.models import Agent
    from channels_app.models import GatewaySettings

    gs = GatewaySettings.load()
    gs.auth_token = TOKEN
    gs.push_enabled = True
    gs.max_connections = 1000
    gs.save()
    Agent.objects.create(name="helper", model="echo")
    return gs


async def _hello(ws, **extra) -> dict:
    await ws.send(json.dumps({"type": "hello", "agent_id": "helper", "protocol_min": 1, "protocol_max": 1, **extra}))
    return await _recv_type(ws, "hello_ok", "hello_error")


async def _recv_type(ws, *types: str, wait: float = 10) -> dict:
    async with asyncio.timeout(wait):
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") in types:
                return frame


async def test_a_publish_on_one_process_reaches_a_subscriber_on_the_other(servers, gateway):
    a, b = servers
    async with connect(f"{a}?token={TOKEN}") as sub, connect(f"{b}?token={TOKEN}") as pub:
        await _hello(sub, client_id="sub-a")
        await _hello(pub, client_id="pub-b")
        await pub.send(json.dumps({"type": "channel.create", "channel": "cross"}))
        await _recv_type(pub, "channel.created")
        await sub.send(json.dumps({"type": "channel.subscribe", "channel": "cross"}))
        await _recv_type(sub, "channel.subscribed")
        await pub.send(json.dumps({"type": "channel.publish", "channel": "cross", "data": {"from": "b"}}))
        assert (await _recv_type(pub, "channel.published"))["delivered"] == 1
        msg = await _recv_type(sub, "channel_message")
        assert msg["data"] == {"from": "b"}


async def test_a_broadcast_reaches_clients_on_both_processes(servers, gateway):
    a, b = servers
    async with connect(f"{a}?token={TOKEN}") as on_a, connect(f"{b}?token={TOKEN}") as on_b:
        await on_a.send(json.dumps({"type": "ping"}))
        await _recv_type(on_a, "pong")
        await on_b.send(json.dumps({"type": "broadcast", "data": {"notice": "everyone"}}))
        for ws in (on_a, on_b):
            assert (await _recv_type(ws, "broadcast"))["data"] == {"notice": "everyone"}


async def test_max_connections_holds_across_both_processes(servers, gateway):
    from channels.db import database_sync_to_async

    a, b = servers
    gateway.max_connections = 3
    await database_sync_to_async(gateway.save)()
    held = [await connect(f"{url}?token={TOKEN}") for url in (a, b, a)]
    try:
        for ws in held:
            await ws.send(json.dumps({"type": "ping"}))
            await _recv_type(ws, "pong")
        async with connect(f"{b}?token={TOKEN}") as extra:
            refused = await _recv_type(extra, "hello_error")
            assert refused["code"] == "rate_limited"
            await extra.wait_closed()
            assert extra.close_code == 1013
    finally:
        for ws in held:
            await ws.close()
    await asyncio.sleep(0.3)
    async with connect(f"{b}?token={TOKEN}") as again:
        await again.send(json.dumps({"type": "ping"}))
        assert (await _recv_type(again, "pong"))["type"] == "pong"


async def test_a_client_resumes_on_the_other_process_and_gets_missed_messages_exactly_once(servers, gateway):
    a, b = servers
    async with GatewayClient(a, TOKEN, agent_id="helper", client_id="roamer", reconnect=False) as roamer:
        assert await roamer.ask("remember me") == "remember me"
        await roamer.create_channel("feed")
        await roamer.subscribe("feed")
        session_id, cursor = roamer.session_id, roamer.cursor
    async with GatewayClient(b, TOKEN, agent_id="helper", client_id="feeder") as feeder:
        for n in (1, 2, 3):
            await feeder.publish("feed", {"n": n})
    back = GatewayClient(b, TOKEN, agent_id="helper", client_id="roamer")
    back.session_id, back.cursor = session_id, cursor
    async with back:
        assert back.resumed is True
        got = [await back.next_event(timeout=10) for _ in range(3)]
        assert [e["data"]["n"] for e in got] == [1, 2, 3]
        assert await back.ask("still there?") == "still there?"
        await asyncio.sleep(0.5)
    async with GatewayClient(a, TOKEN, agent_id="helper", client_id="roamer") as third:
        await asyncio.sleep(0.5)
        assert third._events.empty()  # everything was acked: nothing is delivered twice
