"""The model SDKs' transport (gatewaysite/egress_clients.py) keeps connections alive and still notices one the server
closed while it sat idle: the pool's check of idle sockets goes through our stream, which keeps its socket at hand."""

from __future__ import annotations

import asyncio

import httpx2
import pytest

from gatewaysite.egress_clients import PolicyAsyncTransport

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"


class KeepAliveServer:
    """Answers every request on a connection with "ok"; with `close_idle`, closes each connection after answering."""

    def __init__(self, close_idle: bool) -> None:
        self.close_idle = close_idle
        self.connections = 0
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                self.requests += 1
                writer.write(RESPONSE)
                await writer.drain()
                if self.close_idle:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


async def _two_requests(close_idle: bool) -> tuple[KeepAliveServer, list[str]]:
    server = KeepAliveServer(close_idle)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    answers = []
    async with httpx2.AsyncClient(transport=PolicyAsyncTransport()) as client:
        for _ in range(2):
            answers.append((await client.get(f"http://127.0.0.1:{port}/")).text)
            await asyncio.sleep(0.2)  # idle: a closing server has closed by now
    listener.close()
    await listener.wait_closed()
    return server, answers


@pytest.mark.asyncio
async def test_an_idle_connection_is_reused() -> None:
    server, answers = await _two_requests(close_idle=False)
    assert answers == ["ok", "ok"]
    assert (server.connections, server.requests) == (1, 2)


@pytest.mark.asyncio
async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    server, answers = await _two_requests(close_idle=True)
    assert answers == ["ok", "ok"]  # no "server disconnected" error: the closed socket was noticed and replaced
    assert (server.connections, server.requests) == (2, 2)
