"""The SDK clients remember each path's full URL, and never send a call to a base URL they no longer have."""

from __future__ import annotations

import anthropic
import openai

from agents_app.runtime.providers.prepared_urls import GatewayAsyncOpenAI, anthropic_client_class
from tests.fakes.fake_openai import FakeOpenAI


def _client(base_url: str) -> GatewayAsyncOpenAI:
    return GatewayAsyncOpenAI(api_key="sk-test", base_url=base_url, max_retries=0)


async def _ask(client: GatewayAsyncOpenAI) -> str:
    completion = await client.chat.completions.create(model="llama3", messages=[{"role": "user", "content": "hi"}])
    return completion.choices[0].message.content or ""


async def test_calls_reach_the_new_base_url_once_it_is_replaced(fake_openai: FakeOpenAI) -> None:
    client = _client(fake_openai.base_url)
    try:
        assert await _ask(client) == "ok"
        with FakeOpenAI() as other:
            client.base_url = other.base_url
            assert await _ask(client) == "ok"
            assert len(other.requests) == 1
        assert len(fake_openai.requests) == 1  # the remembered URL of the old base was not used again
    finally:
        await client.close()


async def test_a_path_is_joined_once_and_matches_what_the_sdk_joins() -> None:
    ours, theirs = (
        _client("http://127.0.0.1:9/proxy/v1"),
        openai.AsyncOpenAI(api_key="k", base_url="http://127.0.0.1:9/proxy/v1"),
    )
    try:
        first = ours._prepare_url("/chat/completions")
        assert first is ours._prepare_url("/chat/completions")
        assert (
            str(first)
            == str(theirs._prepare_url("/chat/completions"))
            == "http://127.0.0.1:9/proxy/v1/chat/completions"
        )
        assert str(ours._prepare_url("https://other.example/v1/x")) == "https://other.example/v1/x"  # absolute: as is
    finally:
        await ours.close()
        await theirs.close()


async def test_the_anthropic_client_is_the_vendors_own_class_with_the_same_memory() -> None:
    client = anthropic_client_class()(api_key="k", base_url="http://127.0.0.1:9/anthropic")
    try:
        assert isinstance(client, anthropic.AsyncAnthropic)
        assert client._prepare_url("/v1/messages") is client._prepare_url("/v1/messages")
        assert str(client._prepare_url("/v1/messages")) == "http://127.0.0.1:9/anthropic/v1/messages"
    finally:
        await client.close()
