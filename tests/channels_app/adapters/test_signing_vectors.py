"""The published signing vectors: each verifier accepts its vector and rejects stale or tampered input."""

from __future__ import annotations

import json

import pytest

from channels_app.adapters import VerificationError
from tests.channels_app.support import FIXTURES


def vector(platform: str, name: str) -> dict:
    return json.loads((FIXTURES / platform / f"{name}.json").read_text())


def test_it_accepts_the_slack_vector_ten_seconds_later(make_adapter) -> None:
    v = vector("slack", "signing_vector")
    adapter = make_adapter("slack")
    ts = int(v["headers"]["X-Slack-Request-Timestamp"])
    adapter.verify(v["raw_body"].encode(), v["headers"], now=ts + 10)


def test_it_rejects_a_stale_slack_timestamp(make_adapter) -> None:
    v = vector("slack", "signing_vector")
    ts = int(v["headers"]["X-Slack-Request-Timestamp"])
    with pytest.raises(VerificationError):
        make_adapter("slack").verify(v["raw_body"].encode(), v["headers"], now=ts + 301)


def test_it_rejects_a_slack_body_with_one_byte_changed(make_adapter) -> None:
    v = vector("slack", "signing_vector")
    ts = int(v["headers"]["X-Slack-Request-Timestamp"])
    body = v["raw_body"].replace("Friday", "Fridax").encode()
    with pytest.raises(VerificationError):
        make_adapter("slack").verify(body, v["headers"], now=ts + 10)


def test_each_whatsapp_vector_validates_only_against_its_own_bytes(make_adapter) -> None:
    v = vector("whatsapp", "signing_vector")
    adapter = make_adapter("whatsapp")
    utf8 = v["raw_body_utf8"].encode()
    escaped = v["raw_body_ascii_escaped"].encode()
    adapter.verify(utf8, {"X-Hub-Signature-256": v["X-Hub-Signature-256_for_raw_body_utf8"]})
    adapter.verify(escaped, {"X-Hub-Signature-256": v["X-Hub-Signature-256_for_raw_body_ascii_escaped"]})
    with pytest.raises(VerificationError):
        adapter.verify(escaped, {"X-Hub-Signature-256": v["X-Hub-Signature-256_for_raw_body_utf8"]})


def test_it_accepts_the_standard_webhooks_vector_and_rejects_it_stale(make_adapter) -> None:
    v = vector("generic_webhook", "standard_webhooks_vector")
    adapter = make_adapter("webhook", signature_scheme="standard")
    adapter.instance.credentials["secret"] = v["secret"]
    ts = int(v["headers"]["webhook-timestamp"])
    adapter.verify(v["raw_body"].encode(), v["headers"], now=ts + 5)
    with pytest.raises(VerificationError):
        adapter.verify(v["raw_body"].encode(), v["headers"], now=ts + 301)


def test_it_accepts_the_stripe_style_vector(make_adapter) -> None:
    v = vector("generic_webhook", "stripe_style_signature_vector")
    adapter = make_adapter("webhook", signature_scheme="stripe", signature_header="Stripe-Signature")
    adapter.instance.credentials["secret"] = v["secret"]
    adapter.verify(v["raw_body"].encode(), v["header"], now=1767225600 + 5)
    with pytest.raises(VerificationError):
        adapter.verify(v["raw_body"].encode() + b" ", v["header"], now=1767225600 + 5)


def test_it_accepts_the_github_style_vector(make_adapter) -> None:
    v = vector("generic_webhook", "github_style_signature_vector")
    adapter = make_adapter("webhook", signature_header="X-Hub-Signature-256")
    adapter.instance.credentials["secret"] = v["secret"]
    adapter.verify(v["raw_body"].encode(), v["header"])
    with pytest.raises(VerificationError):
        adapter.verify(b"Hello, World?", v["header"])


def test_a_non_ascii_signature_header_is_a_rejection_not_a_crash(make_adapter) -> None:
    with pytest.raises(VerificationError):
        make_adapter("whatsapp").verify(b"{}", {"X-Hub-Signature-256": "sha256=\u00e9\u00e9"})
