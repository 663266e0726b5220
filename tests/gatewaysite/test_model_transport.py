"""The model SDKs' transport (gatewaysite/model_transport.py), against small servers on 127.0.0.1: connections are kept
alive and one the server closed while idle is replaced, a streamed answer arrives piece by piece, a silent server is a
timeout the SDK retries, and the outbound policy refuses before any connection opens."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx2
import openai
import pytest

from agents_app.runtime.providers.clients import policy_transport

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Counts:
    connections = 0
    requests = 0


@asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[str]:
    listener = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}"
    finally:
        listener.close()
        await listener.wait_closed()


def keep_alive_server(counts: Counts, *, close_after_answer: bool) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        counts.connections += 1
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                counts.requests += 1
                writer.write(OK)
                await writer.drain()
                if close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    return handle


async def _two_requests(close_after_answer: bool) -> tuple[Counts, list[str]]:
    counts = Counts()
    answers = []
    server = keep_alive_server(counts, close_after_answer=close_after_answer)
    async with serving(server) as url, httpx2.AsyncClient(transport=policy_transport()) as client:
        for _ in range(2):
            answers.append((await client.get(url + "/")).text)
            await asyncio.sleep(0.2)  # idle: a closing server has closed by now
    return counts, answers


@pytest.mark.asyncio
async def test_an_idle_connection_is_reused() -> None:
    counts, answers = await _two_requests(close_after_answer=False)
    assert answers == ["ok", "ok"]
    assert (counts.connections, counts.requests) == (1, 2)


@pytest.mark.asyncio
async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    counts, answers = await _two_requests(close_after_answer=True)
    assert answers == ["ok", "ok"]  # no "server disconnected" error: the closed socket was noticed and replaced
    assert (counts.connections, counts.requests) == (2, 2)


@pytest.mark.asyncio
async def test_a_chunked_stream_arrives_piece_by_piece_before_the_server_finishes() -> None:
    release = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        writer.write(b"d\r\ndata: first\n\n\r\n")
        await writer.drain()
        await release.wait()
        writer.write(b"e\r\ndata: second\n\n\r\n0\r\n\r\n")
        await writer.drain()
        writer.close()

    async with (
        serving(handle) as url,
        httpx2.AsyncClient(transport=policy_transport()) as client,
        client.stream("GET", url + "/events") as response,
    ):
        pieces = response.aiter_text()
        assert await anext(pieces) == "data: first\n\n"  # the server is still holding the rest back
        release.set()
        assert "".join([piece async for piece in pieces]) == "data: second\n\n"


@pytest.mark.asyncio
async def test_a_silent_server_is_a_read_timeout_that_the_sdk_retries_then_reports() -> None:
    counts = Counts()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        counts.requests += 1
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(5)
        writer.close()

    async with serving(silent) as url:
        client = openai.AsyncOpenAI(
            api_key="k",
            base_url=url + "/v1",
            max_retries=1,
            http_client=openai.DefaultAsyncHttpxClient(transport=policy_transport(), timeout=0.3),
        )
        with pytest.raises(openai.APITimeoutError):
            await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        await client.close()
    assert counts.requests == 2  # the first attempt and its one retry


@pytest.mark.asyncio
async def test_a_metadata_address_is_refused_before_connecting() -> None:
    async with httpx2.AsyncClient(transport=policy_transport()) as client:
        with pytest.raises(httpx2.ConnectError, match="outbound policy"):
            await client.get("http://169.254.169.254/latest/meta-data/")


@pytest.mark.asyncio
async def test_a_name_resolving_to_a_metadata_address_is_refused_at_connect_time(settings, monkeypatch) -> None:
    settings.GATEWAY_EGRESS_ALLOW = []  # the default policy: names allowed, metadata addresses never
    asked: list[str] = []

    def metadata_answer(host, port, *args, **kwargs):  # noqa: ANN001, ANN202 - socket.getaddrinfo's signature
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))]

    monkeypatch.setattr(socket, "getaddrinfo", metadata_answer)
    async with httpx2.AsyncClient(transport=policy_transport()) as client:
        with pytest.raises(httpx2.ConnectError, match="never fetched"):
            await client.get("http://innocent.example:8080/")
    assert asked == ["innocent.example"]
