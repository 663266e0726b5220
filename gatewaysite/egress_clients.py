"""The outbound policy (gatewaysite/egress.py) fitted into the HTTP clients, so it holds at connect time.

requests (platform adapters, callbacks, tools) gets a transport adapter and the OpenAI/Anthropic SDKs an httpx
transport; both check the URL (no DNS), then every address the host resolves to, on every request and every
redirect hop, before the client opens a connection.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from typing import Any

import anyio.abc
import httpcore2
import httpx2
import requests
from httpcore2._backends.anyio import AnyIOBackend, AnyIOStream
from httpcore2._backends.base import AsyncNetworkStream
from httpcore2._utils import is_socket_readable
from requests.adapters import HTTPAdapter

from gatewaysite.egress import EgressRefused, check_lookup, check_url, needs_lookup, resolve_and_check


class RefusedByPolicy(EgressRefused, requests.exceptions.InvalidURL):
    """requests' face of a refusal: an InvalidURL (a RequestException) that callers can tell apart as permanent."""


class PolicyHTTPAdapter(HTTPAdapter):
    """A requests transport adapter that refuses what the outbound policy refuses, before connecting."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        try:
            host, port = check_url(str(request.url))
            resolve_and_check(host, port)
        except EgressRefused as exc:
            raise RefusedByPolicy(str(exc), request=request) from exc
        return super().send(request, *args, **kwargs)


def environment_matters() -> bool:
    """Whether requests must keep reading the environment per request: a proxy variable (or its no_proxy
    exceptions), a NETRC variable or a ~/.netrc file. A CA bundle variable is applied once instead."""
    if any("PROXY" in name.upper() or name.upper() == "NETRC" for name in os.environ):
        return True
    return os.path.exists(os.path.expanduser("~/.netrc"))


def mount_policy(session: requests.Session, **adapter_options: Any) -> requests.Session:
    """Route a session's http and https through the policy adapter.

    Unless a proxy or netrc is configured, it also stops re-reading the environment on every request (proxy lookup,
    no_proxy matching, netrc, CA bundle variables — the bundle is applied once here): ~3 % of the embedded server's
    CPU per answered Slack message under bench/webhook_load.py. Set a proxy and the session honours it as before.
    """
    adapter = PolicyHTTPAdapter(**adapter_options)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle  # what requests would read from the environment on each request
    session.trust_env = environment_matters()
    return session


_lock = threading.Lock()
_session: requests.Session | None = None


def policy_session() -> requests.Session:
    """One pooled, policy-checked session for code that would otherwise call `requests.get` (tools)."""
    global _session
    with _lock:
        if _session is None:
            _session = mount_policy(requests.Session(), pool_connections=8, pool_maxsize=32)
        return _session


class _SocketStream(AnyIOStream):
    """httpcore's asyncio stream, keeping its socket at hand.

    Why: the connection pool asks every idle connection whether the server closed it (`is_readable`) each time a
    request starts or ends, and anyio builds a fresh dict of all the socket's attributes to answer each ask. With
    50 turns in flight to one model that scan was 5 % of the CPU per WebSocket turn (py-spy, bench/ws_load.py).
    """

    def __init__(self, stream: anyio.abc.ByteStream) -> None:
        super().__init__(stream)
        self._socket = stream.extra(anyio.abc.SocketAttribute.raw_socket, None)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return is_socket_readable(self._socket)
        if info == "socket":
            return self._socket
        return super().get_extra_info(info)

    async def start_tls(self, *args: Any, **kwargs: Any) -> AsyncNetworkStream:
        secured = await super().start_tls(*args, **kwargs)
        return _SocketStream(secured._stream) if isinstance(secured, AnyIOStream) else secured


class _SocketBackend(AnyIOBackend):
    """httpcore's asyncio backend, opening `_SocketStream`s."""

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> AsyncNetworkStream:
        stream = await super().connect_tcp(*args, **kwargs)
        return _SocketStream(stream._stream) if isinstance(stream, AnyIOStream) else stream


class PolicyAsyncTransport(httpx2.AsyncHTTPTransport):
    """An httpx transport for the model SDKs: checks the URL, then the resolved addresses, then connects."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self._pool, httpcore2.AsyncConnectionPool):  # not through a proxy: the pool opens sockets
            self._pool._network_backend = _SocketBackend()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        try:
            host, port = check_url(str(request.url))
            if needs_lookup(host, port):
                infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
                check_lookup(host, port, infos)
        except EgressRefused as exc:
            raise httpx2.ConnectError(f"refused by the outbound policy: {exc}", request=request) from exc
        except OSError:
            pass  # resolution failed: the connection attempt reports it in the client's usual words
        return await super().handle_async_request(request)
