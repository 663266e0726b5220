"""Fixtures for the WebSocket plane: short timings, a gateway token, an echo agent, and a communicator factory.

Consumers touch the database from worker threads, so these tests use transactional databases.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

TOKEN = "test-gateway-token"


@pytest.fixture(autouse=True)
def fast_realtime(settings: Any) -> None:
    """Heartbeats, acks and sweeps in tenths of seconds so nothing waits."""
    settings.GATEWAY_WS_HEARTBEAT_INTERVAL = 5.0
    settings.GATEWAY_WS_ACK_TIMEOUT = 5.0
    settings.GATEWAY_WS_SERVER_BEAT = 5.0
    settings.GATEWAY_WS_CONFIG_TTL = 0  # tests change GatewaySettings between connects
    channel_layers.backends.clear()  # a fresh layer per test (the in-memory one keeps groups otherwise)
    from routing.pipeline import agent_lookup

    agent_lookup.clear()  # cached agent lookups outlive a test's database
    from channels_app.realtime import remote_agents

    remote_agents.clear()  # and so do remembered "no remote agent" answers


@pytest.fixture
def gateway(transactional_db: None) -> Any:
    """Gateway settings with a token and push enabled, plus an enabled echo agent named 'helper'."""
    from agents_app.models import Agent
    from channels_app.models import GatewaySettings

    gs = GatewaySettings.load()
    gs.auth_token = TOKEN
    gs.push_enabled = True
    gs.save()
    Agent.objects.create(name="helper", model="echo", instructions="Help.")
    return gs


class Client:
    """A test client around WebsocketCommunicator that speaks JSON frames."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.comm = communicator

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.comm.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, wait: float = 3) -> dict[str, Any]:
        return json.loads(await self.comm.receive_from(timeout=wait))

    async def recv_until(self, predicate: Callable[[dict[str, Any]], bool], wait: float = 3) -> dict[str, Any]:
        """Skip frames (pings, events) until one matches."""
        while True:
            frame = await self.recv(wait)
            if predicate(frame):
                return frame

    async def recv_type(self, type_: str, wait: float = 3) -> dict[str, Any]:
        return await self.recv_until(lambda f: f.get("type") == type_, wait)

    async def hello(self, agent_id: str = "helper", **extra: Any) -> dict[str, Any]:
        await self.send({"type": "hello", "agent_id": agent_id, "protocol_min": 1, "protocol_max": 1, **extra})
        return await self.recv_until(lambda f: f["type"] in {"hello_ok", "hello_error"})

    async def nothing(self, wait: float = 0.2) -> bool:
        return await self.comm.receive_nothing(timeout=wait)

    async def close(self) -> None:
        await self.comm.disconnect()


@pytest.fixture
async def connect() -> AsyncIterator[Callable[..., Any]]:
    """Open authenticated (by default) connections through the real ASGI application; closes them at the end."""
    from gatewaysite.asgi import application

    opened: list[Client] = []

    async def _connect(
        path: str | None = None, *, token: str | None = TOKEN, headers: list[tuple[bytes, bytes]] | None = None
    ) -> Client:
        if path is None:
            path = f"/ws?token={token}" if token else "/ws"
        comm = WebsocketCommunicator(application, path, headers=headers or [])
        connected, _ = await comm.connect(timeout=5)
        assert connected
        client = Client(comm)
        opened.append(client)
        return client

    yield _connect
    for client in opened:
        with contextlib.suppress(Exception):  # already closed by the server
            await client.comm.disconnect()


@database_sync_to_async
def db_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)
