"""The SDK clients we build: the vendors' own classes, except that each remembers the full URL of a request path.

Why: both SDKs (openai, anthropic; Stainless-generated, pinned in requirements.txt) join a call's path to their
`base_url` on every call (`_prepare_url`): two RFC 3986 parses and a copy of the base URL, for the same few paths.
That was ~30 µs per model call out of a `_build_request` of ~120 µs (timeit, this repository's pinned openai), and
2.4 % of the WebSocket plane's CPU per turn (py-spy --gil under ../shared/peers/praisonai/bench_ws.py, 50 clients ×
80 messages, an instant model over HTTP). An httpx2 URL is immutable, so one prepared URL can serve every call; the
memory is dropped when the client's `base_url` is replaced. Nothing else of the SDK changes: headers, retries, auth,
timeouts and errors stay its own.
"""

from __future__ import annotations

from typing import Any

import openai

# Paths with ids in them (files, batches) would each take an entry: a small bound keeps a long-lived client small.
MAX_REMEMBERED = 64


class RemembersPreparedURLs:
    """Mixin for a Stainless SDK client class: `_prepare_url(path)` computed once per (base_url, path)."""

    _base_url: Any

    def _prepare_url(self, url: str) -> Any:
        base = self._base_url
        remembered = self.__dict__.get("_gateway_prepared_urls")
        if remembered is None or remembered[0] is not base:  # first call, or base_url was set since
            remembered = (base, {})
            self.__dict__["_gateway_prepared_urls"] = remembered
        prepared = remembered[1].get(url)
        if prepared is None:
            prepared = super()._prepare_url(url)  # type: ignore[misc]
            if len(remembered[1]) < MAX_REMEMBERED:
                remembered[1][url] = prepared
        return prepared


class GatewayAsyncOpenAI(RemembersPreparedURLs, openai.AsyncOpenAI):
    """openai.AsyncOpenAI, remembering its prepared URLs."""


def anthropic_client_class() -> type:
    """anthropic.AsyncAnthropic with the same memory; built on first use (the SDK is imported only when an Anthropic
    agent runs: clients.py says why)."""
    global _anthropic_class
    if _anthropic_class is None:
        import anthropic

        _anthropic_class = type("GatewayAsyncAnthropic", (RemembersPreparedURLs, anthropic.AsyncAnthropic), {})
    return _anthropic_class


_anthropic_class: type | None = None
