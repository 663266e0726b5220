"""Channel instances wired to fake platform servers, an offline agent routed by default, and the embedded
dispatcher with short retry waits."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from agents_app.models import Agent
from channels_app.models import ChannelInstance
from channels_app.webhooks import ratelimit
from routing.models import RoutingRule
from routing.pipeline import dispatch
from tests.channels_app.support import GENERIC_SECRET, META_SECRET, SLACK_SECRET, TELEGRAM_SECRET, TELEGRAM_TOKEN
from tests.fakes.fake_slack import FakeSlack
from tests.fakes.fake_telegram import FakeTelegram
from tests.fakes.fake_webhook_receiver import FakeWebhookReceiver
from tests.fakes.fake_whatsapp import FakeWhatsApp

CREDENTIALS = {
    "slack": {"token": "xoxb-test-token", "signing_secret": SLACK_SECRET},
    "whatsapp": {
        "token": "EAAG-test",
        "phone_number_id": "106540352242922",
        "verify_token": "gw-verify-7c1d9e",
        "app_secret": META_SECRET,
    },
    "telegram": {"token": TELEGRAM_TOKEN, "secret_token": TELEGRAM_SECRET},
    "webhook": {"secret": GENERIC_SECRET},
}
OPTIONS = {"telegram": {"bot_username": "acme_agent_bot"}, "whatsapp": {"api_version": "v26.0"}}


@pytest.fixture
def fast_pipeline(settings) -> Iterator[None]:
    """Embedded dispatch, no sweeper, retries that wait milliseconds; waits for the workers after the test."""
    settings.GATEWAY_DISPATCH = "embedded"
    settings.GATEWAY_SWEEP_INTERVAL = 0
    settings.GATEWAY_RETRY_AFTER_CAP = 0.05
    settings.GATEWAY_RETRY_BASE = 0.01
    ratelimit.instances.reset()
    ratelimit.senders.reset()
    yield
    dispatch.embedded().wait_idle(10)


@pytest.fixture
def idle() -> Callable[[], None]:
    def wait() -> None:
        assert dispatch.embedded().wait_idle(10), "pipeline did not finish"

    return wait


@pytest.fixture
def echo_agent(transactional_db) -> Agent:
    return Agent.objects.create(name="echo-agent", model="echo", instructions="Repeat.")


@pytest.fixture
def make_instance(echo_agent) -> Callable[..., ChannelInstance]:
    def make(platform: str, api_base_url: str = "", name: str = "", **options: object) -> ChannelInstance:
        instance = ChannelInstance.objects.create(
            name=name or f"{platform}-main",
            platform=platform,
            credentials=dict(CREDENTIALS[platform]),
            options={**OPTIONS.get(platform, {}), **options},
            api_base_url=api_base_url,
        )
        RoutingRule.objects.create(instance=instance, context="default", agent=echo_agent)
        return instance

    return make


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def fake_whatsapp() -> Iterator[FakeWhatsApp]:
    with FakeWhatsApp() as fake:
        yield fake


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(TELEGRAM_TOKEN) as fake:
        yield fake


@pytest.fixture
def fake_receiver() -> Iterator[FakeWebhookReceiver]:
    with FakeWebhookReceiver() as fake:
        yield fake
