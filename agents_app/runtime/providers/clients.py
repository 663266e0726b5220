"""SDK clients, built once per (event loop, endpoint, key) and reused, so a turn does not pay for a new HTTP pool.

Async HTTP pools belong to the event loop that opened them. The server's loop lives as long as the process, but
`async_to_sync` (the pipeline's worker threads), management commands and Celery tasks run each call on a fresh loop
via `asyncio.run`. A loop's clients are closed when that loop shuts down: a parked async generator is finalized by
`loop.shutdown_asyncgens()`, which `asyncio.run` calls while the loop still runs, so no socket outlives its loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx2
import openai

from agents_app.runtime.config import RuntimeConfig
from agents_app.runtime.providers.base import Provider
from agents_app.runtime.providers.echo import EchoProvider
from agents_app.runtime.providers.openai_compat import OpenAIProvider
from agents_app.runtime.providers.prepared_urls import GatewayAsyncOpenAI, anthropic_client_class
from agents_app.runtime.providers.selection import Route
from gatewaysite.model_transport import AiohttpPolicyTransport

if TYPE_CHECKING:
    from agents_app.runtime.providers.anthropic_claude import AnthropicProvider

_OFFLINE = EchoProvider()


@dataclass(slots=True)
class _LoopClients:
    """The providers of one loop, and the parked generator that closes them at loop shutdown."""

    loop: weakref.ref[asyncio.AbstractEventLoop]
    providers: dict[tuple[object, ...], OpenAIProvider | AnthropicProvider] = field(default_factory=dict)
    closer: AsyncIterator[None] | None = None

    def is_stale(self) -> bool:
        loop = self.loop()
        return loop is None or loop.is_closed()


# Keyed by id(loop) (entries remove themselves at shutdown): clients reference their loop, so a
# WeakKeyDictionary entry would never die.
_per_loop: dict[int, _LoopClients] = {}


async def _close_at_shutdown(loop_id: int, clients: _LoopClients) -> AsyncIterator[None]:
    try:
        yield
    finally:
        _per_loop.pop(loop_id, None)
        for provider in clients.providers.values():
            with contextlib.suppress(Exception):
                await provider.aclose()


async def provider_for(route: Route, config: RuntimeConfig) -> Provider:
    """The provider object serving `route` on the running loop (created on first use)."""
    if route.kind == "offline":
        return _OFFLINE
    loop = asyncio.get_running_loop()
    loop_id = id(loop)
    clients = _per_loop.get(loop_id)
    if clients is None:
        _forget_stale_loops()
        clients = _LoopClients(loop=weakref.ref(loop))
        clients.closer = _close_at_shutdown(loop_id, clients)
        await anext(clients.closer)  # first iteration registers it with this loop's shutdown_asyncgens
        _per_loop[loop_id] = clients
    key = (route.kind, route.base_url, route.api_key, config.call_timeout, config.max_retries)
    provider = clients.providers.get(key)
    if provider is None:
        provider = _build(route, config)
        clients.providers[key] = provider
    return provider


def _forget_stale_loops() -> None:
    """Entries of loops closed without shutdown_asyncgens (a hand-run loop); their sockets go with the garbage."""
    for loop_id, clients in list(_per_loop.items()):
        if clients.is_stale():
            _per_loop.pop(loop_id, None)


def open_client_count() -> int:
    """How many SDK clients are open across all loops (for tests and diagnostics)."""
    return sum(len(clients.providers) for clients in _per_loop.values())


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One TLS context for every client: loading the CA bundle costs ~40 ms, far more than the rest of a turn.

    Built by httpx2 exactly as each client would build its own (SSL_CERT_FILE / SSL_CERT_DIR honoured).
    """
    return httpx2.create_ssl_context()


def policy_transport() -> AiohttpPolicyTransport:
    """aiohttp's pool under the SDK's httpx2 client (gatewaysite/model_transport.py), checked against the outbound
    policy; TLS and pool sizes as the SDKs set."""
    return AiohttpPolicyTransport(shared_ssl_context(), openai.DEFAULT_CONNECTION_LIMITS)


def _build(route: Route, config: RuntimeConfig) -> OpenAIProvider | AnthropicProvider:
    if route.kind == "anthropic":
        # Imported on first use: the Anthropic SDK costs ~75 MB of resident memory a process without one never needs.
        import anthropic

        from agents_app.runtime.providers.anthropic_claude import AnthropicProvider

        client = anthropic_client_class()(
            api_key=route.api_key,
            base_url=route.base_url,
            timeout=config.call_timeout,
            max_retries=config.max_retries,
            http_client=anthropic.DefaultAsyncHttpxClient(transport=policy_transport(), timeout=config.call_timeout),
        )
        return AnthropicProvider(client)
    openai_client = GatewayAsyncOpenAI(
        api_key=route.api_key,
        base_url=route.base_url,
        timeout=config.call_timeout,
        max_retries=config.max_retries,
        http_client=openai.DefaultAsyncHttpxClient(transport=policy_transport(), timeout=config.call_timeout),
    )
    return OpenAIProvider(openai_client, official=not route.base_url)
