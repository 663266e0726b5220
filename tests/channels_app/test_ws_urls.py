"""A WebSocket to `/` or any path other than /ws is refused cleanly (never a 500)."""

from __future__ import annotations

import asyncio

import pytest
from channels.testing import WebsocketCommunicator
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from channels_app.ws_urls import is_websocket_path
from tests.process.servers import free_port, prepare_embedded, start_daphne, stop


def test_only_the_ws_path_is_a_websocket_path() -> None:
    assert is_websocket_path("/ws") and is_websocket_path("/ws/") and is_websocket_path("/ws?token=x")
    assert not any(is_websocket_path(p) for p in ("/", "/admin/", "/wsx", "/api/ws"))


@pytest.mark.django_db(transaction=True)
async def test_the_application_closes_an_unknown_path_before_accepting() -> None:
    from gatewaysite.asgi import application

    communicator = WebsocketCommunicator(application, "/")
    connected, _ = await communicator.connect()
    assert connected is False
    await communicator.disconnect()


@pytest.mark.timeout(90)
def test_a_bare_daphne_answers_an_unknown_websocket_path_with_403(tmp_path) -> None:
    env = {"GATEWAY_DATA_DIR": str(tmp_path), "SECRET_KEY": "ws-path-test", "DATABASE_URL": None, "REDIS_URL": None}
    prepare_embedded(env, "ws-path-token")
    port = free_port()
    proc = start_daphne(env, f"tcp:port={port}:interface=127.0.0.1", port)
    try:

        async def status(path: str) -> int:
            try:
                async with connect(f"ws://127.0.0.1:{port}{path}"):
                    return 101
            except InvalidStatus as exc:
                return exc.response.status_code

        assert asyncio.run(status("/")) == 403
        assert asyncio.run(status("/nope?token=ws-path-token")) == 403
    finally:
        stop(proc)
