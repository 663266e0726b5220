"""One contract every webhook adapter passes: it parses its fixtures, rejects a tampered body, and survives
an unknown event."""

from __future__ import annotations

import pytest

from channels_app.adapters import InboundMessage, VerificationError
from tests.channels_app.support import (
    body_of,
    fixture,
    generic_headers,
    meta_headers,
    slack_headers,
    telegram_headers,
)

CASES = {
    "slack": ("slack", "message__im", slack_headers),
    "whatsapp": ("whatsapp", "messages__text", meta_headers),
    "telegram": ("telegram", "update__private_text", lambda body: telegram_headers()),
    "webhook": ("generic_webhook", "message_created__with_callback", generic_headers),
}
UNKNOWN = {
    "slack": {"type": "event_callback", "event_id": "Ev1", "event": {"type": "reaction_added"}},
    "whatsapp": {"object": "page", "entry": []},
    "telegram": {"update_id": 5, "my_chat_member": {}},
    "webhook": {"id": "evt_1", "type": "conversation.closed"},
}


@pytest.mark.parametrize("platform", sorted(CASES))
def test_it_parses_its_fixture_into_one_normalised_message(make_adapter, platform: str) -> None:
    folder, name, sign = CASES[platform]
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


@pytest.mark.parametrize("platform", sorted(CASES))
def test_it_rejects_a_tampered_body(make_adapter, platform: str) -> None:
    folder, name, sign = CASES[platform]
    body = body_of(fixture(folder, name))
    headers = sign(body)
    tampered = body.replace(b"e", b"E", 1)
    adapter = make_adapter(platform)
    if platform == "telegram":  # no body signature on Telegram: a wrong secret is the tampering it can see
        headers = telegram_headers("wrong-secret")
    with pytest.raises(VerificationError):
        adapter.verify(tampered, headers)


@pytest.mark.parametrize("platform", sorted(CASES))
def test_it_rejects_a_missing_signature_header(make_adapter, platform: str) -> None:
    folder, name, _ = CASES[platform]
    with pytest.raises(VerificationError):
        make_adapter(platform).verify(body_of(fixture(folder, name)), {})


@pytest.mark.parametrize("platform", sorted(CASES))
def test_it_survives_an_unknown_event(make_adapter, platform: str) -> None:
    assert make_adapter(platform).parse(UNKNOWN[platform], {}) == []
