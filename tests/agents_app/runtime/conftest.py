"""Fixtures for runtime tests: fake LLM servers on 127.0.0.1 and short retry/timeout settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.fake_anthropic import FakeAnthropic
from tests.fakes.fake_openai import FakeOpenAI


@pytest.fixture(autouse=True)
def quick_runtime(settings: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Short timeouts and one retry, and no provider keys leaking in from the developer's environment."""
    settings.GATEWAY_LLM_TIMEOUT = 5.0
    settings.GATEWAY_LLM_MAX_RETRIES = 1
    settings.GATEWAY_AGENT_MAX_SECONDS = 20.0
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def fake_anthropic() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server
