"""The model SDKs' HTTP transport: httpx2's transport interface over aiohttp's connection pool and C parser, with the
outbound policy (gatewaysite/egress.py) checked on every request and every address a new connection would use.

Why: the `openai` and `anthropic` SDKs send through an httpx2 client, and its default transport (httpcore2 with the
pure-Python h11 parser, anyio streams, a pool that polls every idle socket on each request) was the largest single
cost of a turn: 16-21 % of the server's CPU per WebSocket message under bench/ws_load.py (py-spy). aiohttp, which the
SDKs offer themselves as their faster backend (`DefaultAioHttpClient`) and which discord.py already brings, does the
same work in 6-7 %. The SDKs still build, send, retry and parse exactly as they do by default: only the bytes on the
wire are handled below them.

The policy: the URL is checked before anything else (no DNS; an IP literal is checked right there), redirect hops
included (the SDK client follows them, each through here). For a host name, the connector's resolver checks every
address it answers before a connection opens, so a name pointing at a metadata address is refused at connect time,
with no gap between the check and the connection.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import httpx2
from aiohttp.abc import ResolveResult

from gatewaysite.egress import EgressRefused, check_resolved, check_url

READ_CHUNK = 64 * 1024


class PolicyResolver(aiohttp.ThreadedResolver):
    """The connector's DNS: answers as usual, then refuses when any address is outside the policy."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await super().resolve(host, port, family)
        check_resolved(host, [str(result["host"]) for result in results])
        return results


@contextmanager
def httpx_errors(request: httpx2.Request) -> Iterator[None]:
    """aiohttp's exceptions in the httpx2 words the SDKs act on: timeouts and connection errors are retried, the rest
    raised as the SDK's APIConnectionError."""
    try:
        yield
    except EgressRefused as exc:
        raise httpx2.ConnectError(f"refused by the outbound policy: {exc}", request=request) from exc
    except aiohttp.ConnectionTimeoutError as exc:
        raise httpx2.ConnectTimeout(str(exc) or "timed out connecting", request=request) from exc
    except aiohttp.SocketTimeoutError as exc:
        raise httpx2.ReadTimeout(str(exc) or "timed out reading", request=request) from exc
    except (aiohttp.ServerTimeoutError, TimeoutError) as exc:
        raise httpx2.PoolTimeout(str(exc) or "timed out waiting for a connection", request=request) from exc
    except aiohttp.ClientConnectorError as exc:
        raise httpx2.ConnectError(str(exc), request=request) from exc
    except aiohttp.ServerDisconnectedError as exc:
        raise httpx2.RemoteProtocolError(str(exc) or "server disconnected", request=request) from exc
    except aiohttp.ClientPayloadError as exc:
        raise httpx2.ReadError(str(exc), request=request) from exc
    except aiohttp.ClientError as exc:
        raise httpx2.NetworkError(str(exc), request=request) from exc


class _ResponseBody(httpx2.AsyncByteStream):
    """The body as it arrives (server-sent events are read while the model writes them); closing hands the connection
    back to the pool when the body was read to its end, and drops it otherwise."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx2.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with httpx_errors(self._request):
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        self._response.release()


class AiohttpPolicyTransport(httpx2.AsyncBaseTransport):
    """One aiohttp session per transport, opened on first use inside the loop that uses it (a client, like its pool,
    belongs to one event loop: agents_app/runtime/providers/clients.py keeps one per loop)."""

    def __init__(self, ssl_context: ssl.SSLContext, limits: httpx2.Limits) -> None:
        self._ssl_context = ssl_context
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            ssl=self._ssl_context,
            limit=self._limits.max_connections or 0,
            keepalive_timeout=self._limits.keepalive_expiry,
            resolver=PolicyResolver(),
        )
        # httpx2 above us decodes content, keeps cookies and follows redirects: aiohttp does none of it twice.
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            trust_env=False,
            skip_auto_headers=("User-Agent", "Accept-Encoding"),
        )

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        with httpx_errors(request):
            check_url(str(request.url))
        if self._session is None or self._session.closed:
            self._session = self._open()
        timeout = request.extensions.get("timeout", {})
        try:
            body: Any = request.content or None
        except httpx2.RequestNotRead:  # a streamed upload (files): aiohttp reads the async iterator itself
            body = request.stream
            request.headers.pop("transfer-encoding", None)
        with httpx_errors(request):
            response = await self._session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=body,
                allow_redirects=False,
                compress=False,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeout.get("pool"),
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
                server_hostname=request.extensions.get("sni_hostname"),
            )
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode("latin-1", "replace")
        return httpx2.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_ResponseBody(response, request),
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
