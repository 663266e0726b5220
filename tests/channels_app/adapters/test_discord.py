"""Discord interactions through the real webhook URL, signed with real Ed25519 keys; replies at a fake REST API."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from django.test import Client
from nacl.signing import SigningKey

from agents_app.models import Agent
from channels_app.adapters.base import DeliveryError, Target, VerificationError
from channels_app.adapters.discord import DiscordAdapter
from channels_app.models import ChannelInstance, InboundEvent
from routing.models import RoutingRule
from tests.fakes.fake_discord import FakeDiscord

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "discord"
APP_ID = "1300000000000000001"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def fake():
    with FakeDiscord() as server:
        yield server


@pytest.fixture
def discord_instance(settings, signing_key, fake) -> ChannelInstance:
    settings.GATEWAY_DISPATCH = "embedded"
    settings.GATEWAY_RETRY_BASE = 0.01
    instance = ChannelInstance.objects.create(
        name="acme-discord",
        platform="discord",
        credentials={
            "token": fake.token,
            "public_key": signing_key.verify_key.encode().hex(),
            "application_id": APP_ID,
        },
        api_base_url=fake.url,
    )
    RoutingRule.objects.create(
        instance=instance, context="default", agent=Agent.objects.create(name="ops", model="echo")
    )
    return instance


def signed_post(client: Client, key: SigningKey, body: bytes, *, timestamp: str | None = None, headers=None):
    timestamp = timestamp or str(int(time.time()))
    signature = key.sign(timestamp.encode() + body).signature.hex()
    sent = {"HTTP_X_SIGNATURE_ED25519": signature, "HTTP_X_SIGNATURE_TIMESTAMP": timestamp}
    if headers is not None:
        sent = headers
    return client.post("/webhooks/acme-discord/", body, content_type="application/json", **sent)


def test_the_published_signing_vector_verifies():
    vector = fixture("signing_vector")
    adapter = DiscordAdapter(
        ChannelInstance(name="v", platform="discord", credentials={"public_key": vector["application_public_key_hex"]})
    )
    for case in ("slash_command", "ping"):
        body = vector[case]["raw_body"].encode()
        headers = vector[case]["headers"]
        adapter.verify(body, headers, now=float(headers["X-Signature-Timestamp"]) + 10)
        with pytest.raises(VerificationError):
            adapter.verify(body + b" ", headers, now=float(headers["X-Signature-Timestamp"]) + 10)
        with pytest.raises(VerificationError):  # a replay from yesterday
            adapter.verify(body, headers, now=float(headers["X-Signature-Timestamp"]) + 86400)


@pytest.mark.django_db(transaction=True)
def test_a_ping_is_answered_with_a_pong(discord_instance, signing_key):
    response = signed_post(Client(), signing_key, json.dumps(fixture("interaction_ping")).encode())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"type": 1}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("variant", ["bad signature", "missing headers", "tampered body", "not hex", "wrong key"])
def test_a_request_that_is_not_signed_by_discord_gets_401(discord_instance, signing_key, variant):
    body = json.dumps(fixture("interaction_ping")).encode()
    client = Client()
    timestamp = str(int(time.time()))
    good = signing_key.sign(timestamp.encode() + body).signature.hex()
    if variant == "bad signature":
        headers = {"HTTP_X_SIGNATURE_ED25519": "00" * 64, "HTTP_X_SIGNATURE_TIMESTAMP": timestamp}
    elif variant == "missing headers":
        headers = {}
    elif variant == "tampered body":
        headers = {"HTTP_X_SIGNATURE_ED25519": good, "HTTP_X_SIGNATURE_TIMESTAMP": timestamp}
        body = body + b" "
    elif variant == "not hex":
        headers = {"HTTP_X_SIGNATURE_ED25519": "zz" * 64, "HTTP_X_SIGNATURE_TIMESTAMP": timestamp}
    else:
        other = SigningKey.generate().sign(timestamp.encode() + body).signature.hex()
        headers = {"HTTP_X_SIGNATURE_ED25519": other, "HTTP_X_SIGNATURE_TIMESTAMP": timestamp}
    response = signed_post(client, signing_key, body, headers=headers)
    assert response.status_code == 401
    assert InboundEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_slash_command_is_deferred_then_answered_with_a_follow_up(discord_instance, signing_key, fake):
    body = json.dumps(fixture("interaction_slash_command")).encode()
    response = signed_post(Client(), signing_key, body)
    assert response.status_code == 200
    assert response.json() == {"type": 5}
    [call] = fake.wait_for(1)
    token = fixture("interaction_slash_command")["token"]
    assert (call.method, call.path) == ("PATCH", f"/webhooks/{APP_ID}/{token}/messages/@original")
    assert call.body["content"] == "What broke in the 02:00 deploy?"
    assert call.body["allowed_mentions"] == {"parse": []}
    assert "authorization" not in call.headers  # interaction webhooks need no bot token

    again = signed_post(Client(), signing_key, body)  # the same interaction delivered twice: one answer
    assert again.status_code == 200
    assert InboundEvent.objects.count() == 1  # the duplicate was never stored, so never dispatched
    assert len(fake.wait_for(1)) == 1


def adapter_for(fake: FakeDiscord) -> DiscordAdapter:
    return DiscordAdapter(
        ChannelInstance(name="d", platform="discord", credentials={"token": fake.token}, api_base_url=fake.url)
    )


def test_a_reply_references_the_message_and_pings_nobody(fake):
    adapter = adapter_for(fake)
    target = Target(chat_id="1100000000000000020", reply_to="1400000000000000101", extra={"delivery_id": "reply:7:0"})
    sent = adapter.send("Two incidents: **db-failover**", target)
    [call] = fake.wait_for(1)
    assert call.path == "/channels/1100000000000000020/messages"
    assert call.headers["authorization"] == f"Bot {fake.token}"
    assert call.headers["user-agent"].startswith("DiscordBot (")
    assert call.body["message_reference"] == {"message_id": "1400000000000000101", "fail_if_not_exists": False}
    assert call.body["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert call.body["enforce_nonce"] is True and len(call.body["nonce"]) <= 25
    assert sent.platform_message_id


def test_a_resent_chunk_is_not_posted_twice_thanks_to_the_nonce(fake):
    adapter = adapter_for(fake)
    target = Target(chat_id="1100000000000000020", extra={"delivery_id": "reply:8:0"})
    first = adapter.send("hello", target)
    second = adapter.send("hello", target)
    assert first.platform_message_id == second.platform_message_id
    assert len(fake.messages) == 1


def test_a_429_is_a_transient_error_with_the_retry_after(fake):
    fake.rate_limit_next = 1
    adapter = adapter_for(fake)
    with pytest.raises(DeliveryError) as caught:
        adapter.send("hello", Target(chat_id="1100000000000000020"))
    assert caught.value.permanent is False and caught.value.retry_after == pytest.approx(0.05)
    adapter.send("hello", Target(chat_id="1100000000000000020"))  # the bucket resets after 0.05 s
    assert len(fake.messages) == 1


def test_long_replies_are_split_under_2000_characters():
    adapter = DiscordAdapter(ChannelInstance(name="d", platform="discord", credentials={"token": "t"}))
    text = "\n\n".join(f"Paragraph {i}: " + "word " * 60 for i in range(20))
    chunks = adapter.split(text)
    assert len(chunks) > 1 and all(len(chunk) <= 2000 for chunk in chunks)
