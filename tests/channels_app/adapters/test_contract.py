"""One contract every registered adapter passes, driven by the adapter registry: a platform added to
`channels_app.adapters.registry.ADAPTERS` is covered by adding its case here (a test fails until it is).

Every adapter: its text limit is its platform's fact (channels_app/platforms.py) and replies are split under it.
Every adapter that receives webhooks: it parses its fixture, rejects a tampered body and a missing signature, and
survives an unknown event.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from channels_app.adapters import ADAPTERS, InboundMessage, MalformedPayload, VerificationError
from channels_app.platforms import PLATFORMS
from tests.channels_app.adapters.conftest import DISCORD_KEY
from tests.channels_app.support import (
    body_of,
    fixture,
    generic_headers,
    meta_headers,
    slack_headers,
    telegram_headers,
)


def discord_headers(body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    signature = DISCORD_KEY.sign(stamp.encode() + body).signature.hex()
    return {"X-Signature-Ed25519": signature, "X-Signature-Timestamp": stamp}


Signer = Callable[[bytes], dict[str, str]]
WEBHOOK_CASES: dict[str, tuple[str, str, Signer]] = {
    "slack": ("slack", "message__im", slack_headers),
    "whatsapp": ("whatsapp", "messages__text", meta_headers),
    "telegram": ("telegram", "update__private_text", lambda body: telegram_headers()),
    "webhook": ("generic_webhook", "message_created__with_callback", generic_headers),
    "discord": ("discord", "interaction_slash_command", discord_headers),
}
UNKNOWN = {
    "slack": {"type": "event_callback", "event_id": "Ev1", "event": {"type": "reaction_added"}},
    "whatsapp": {"object": "page", "entry": []},
    "telegram": {"update_id": 5, "my_chat_member": {}},
    "webhook": {"id": "evt_1", "type": "conversation.closed"},
}
UNKNOWN_IS_MALFORMED = {"discord": {"type": 99, "id": "1"}}
# Registered adapters that receive nothing over a webhook, and where their inbound path is tested instead.
NO_WEBHOOK = {
    "email": "mail arrives over IMAP: channels_app/listeners/imap.py, tests/channels_app/adapters/test_email.py"
}

REGISTERED = sorted(ADAPTERS)
WEBHOOK_PLATFORMS = [platform for platform in REGISTERED if platform not in NO_WEBHOOK]


def test_every_registered_adapter_has_a_contract_case() -> None:
    assert set(REGISTERED) == set(WEBHOOK_CASES) | set(NO_WEBHOOK)


@pytest.mark.parametrize("platform", REGISTERED)
def test_its_text_limit_is_the_platforms_fact_and_replies_are_split_under_it(make_adapter, platform: str) -> None:
    adapter = make_adapter(platform)
    assert adapter.platform == platform
    fact = PLATFORMS[platform].text_limit
    if fact is not None:
        assert adapter.text_limit == fact
    paragraph = "A sentence that goes on for a while, to be split at a boundary. " * 10
    text = "\n\n".join([paragraph] * (adapter.text_limit // len(paragraph) + 2)) if fact else paragraph
    chunks = adapter.split(text)
    assert chunks and all(len(chunk) <= adapter.text_limit for chunk in chunks)
    if fact is not None:
        assert len(chunks) > 1


@pytest.mark.parametrize("platform", WEBHOOK_PLATFORMS)
def test_it_parses_its_fixture_into_one_normalised_message(make_adapter, platform: str) -> None:
    folder, name, sign = WEBHOOK_CASES[platform]
    payload = fixture(folder, name)
    body = body_of(payload)
    adapter = make_adapter(platform)
    adapter.verify(body, sign(body))
    messages = adapter.parse(payload, {})
    assert len(messages) == 1
    message = messages[0]
    assert isinstance(message, InboundMessage)
    assert message.platform == platform
    assert message.dedupe_key and message.chat_id and message.text
    assert message.context in ("dm", "group", "channel")


@pytest.mark.parametrize("platform", WEBHOOK_PLATFORMS)
def test_it_rejects_a_tampered_body(make_adapter, platform: str) -> None:
    folder, name, sign = WEBHOOK_CASES[platform]
    body = body_of(fixture(folder, name))
    headers = sign(body)
    tampered = body.replace(b"e", b"E", 1)
    adapter = make_adapter(platform)
    if platform == "telegram":  # no body signature on Telegram: a wrong secret is the tampering it can see
        headers = telegram_headers("wrong-secret")
    with pytest.raises(VerificationError):
        adapter.verify(tampered, headers)


@pytest.mark.parametrize("platform", WEBHOOK_PLATFORMS)
def test_it_rejects_a_missing_signature_header(make_adapter, platform: str) -> None:
    folder, name, _ = WEBHOOK_CASES[platform]
    with pytest.raises(VerificationError):
        make_adapter(platform).verify(body_of(fixture(folder, name)), {})


@pytest.mark.parametrize("platform", WEBHOOK_PLATFORMS)
def test_it_survives_an_unknown_event(make_adapter, platform: str) -> None:
    adapter = make_adapter(platform)
    if platform in UNKNOWN_IS_MALFORMED:  # answered 400 (the platform expects it), never a crash
        with pytest.raises(MalformedPayload):
            adapter.parse(UNKNOWN_IS_MALFORMED[platform], {})
        return
    assert adapter.parse(UNKNOWN[platform], {}) == []
