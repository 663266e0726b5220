"""SDK clients, built once per (event loop, endpoint, key) and reused, so a turn does not pay for a new HTTP pool.

Async HTTP pools belong to the event loop that opened them; management commands and Celery tasks each run their own
loop, so the cache is keyed by loop and dropped with it.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import weakref

import anthropic
import httpx2
import openai

from agents_app.runtime.config import RuntimeConfig
from agents_app.runtime.providers.anthropic_claude import AnthropicProvider
from agents_app.runtime.providers.base import Provider
from agents_app.runtime.providers.echo import EchoProvider
from agents_app.runtime.providers.openai_compat import OpenAIProvider
from agents_app.runtime.providers.selection import Route

_OFFLINE = EchoProvider()
_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[object, ...], Provider]] = (
    weakref.WeakKeyDictionary()
)


def provider_for(route: Route, config: RuntimeConfig) -> Provider:
    """The provider object serving `route` on the running loop (created on first use)."""
    if route.kind == "offline":
        return _OFFLINE
    loop = asyncio.get_running_loop()
    cache = _per_loop.setdefault(loop, {})
    key = (route.kind, route.base_url, route.api_key, config.call_timeout, config.max_retries)
    provider = cache.get(key)
    if provider is None:
        provider = _build(route, config)
        cache[key] = provider
    return provider


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One TLS context for every client: loading the CA bundle costs ~40 ms, far more than the rest of a turn.

    Built by httpx2 exactly as each client would build its own (SSL_CERT_FILE / SSL_CERT_DIR honoured).
    """
    return httpx2.create_ssl_context()


def _build(route: Route, config: RuntimeConfig) -> Provider:
    if route.kind == "anthropic":
        client = anthropic.AsyncAnthropic(
            api_key=route.api_key,
            base_url=route.base_url,
            timeout=config.call_timeout,
            max_retries=config.max_retries,
            http_client=anthropic.DefaultAsyncHttpxClient(verify=shared_ssl_context(), timeout=config.call_timeout),
        )
        return AnthropicProvider(client)
    openai_client = openai.AsyncOpenAI(
        api_key=route.api_key,
        base_url=route.base_url,
        timeout=config.call_timeout,
        max_retries=config.max_retries,
        http_client=openai.DefaultAsyncHttpxClient(verify=shared_ssl_context(), timeout=config.call_timeout),
    )
    return OpenAIProvider(openai_client, official=not route.base_url)
