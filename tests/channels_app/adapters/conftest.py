"""Adapters bound to plain instances (no database): the interface needs only name/platform/credentials/options."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from nacl.signing import SigningKey

from channels_app.adapters import get_adapter
from tests.channels_app.support import GENERIC_SECRET, META_SECRET, SLACK_SECRET, TELEGRAM_SECRET, TELEGRAM_TOKEN

DISCORD_KEY = SigningKey(bytes(range(32)))  # a fixed test key: the adapter verifies with its public half
DISCORD_PUBLIC = DISCORD_KEY.verify_key.encode().hex()


@dataclass
class FakeInstance:
    name: str
    platform: str
    credentials: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)
    api_base_url: str = ""


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
    "discord": {
        "bot_token": "discord-bot-token",
        "application_id": "1100000000000000001",
        "public_key": DISCORD_PUBLIC,
    },
    "email": {"address": "agent@example.test", "password": "pw", "imap_host": "127.0.0.1", "smtp_host": "127.0.0.1"},
}
OPTIONS = {"telegram": {"bot_username": "acme_agent_bot"}}


@pytest.fixture
def make_adapter():
    def make(platform: str, api_base_url: str = "", **options: Any):
        instance = FakeInstance(
            f"{platform}-test",
            platform,
            dict(CREDENTIALS[platform]),
            {**OPTIONS.get(platform, {}), **options},
            api_base_url,
        )
        return get_adapter(instance)

    return make
