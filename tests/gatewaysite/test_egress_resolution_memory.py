"""A host name whose addresses passed the outbound check is not resolved again for every message (a DNS round trip
per Slack send or model call, even on a kept-alive connection), but only for 30 seconds, never after a refusal, and
never across a change of policy."""

from __future__ import annotations

import socket

import pytest

from gatewaysite.egress import EgressRefused, resolve_and_check
from gatewaysite.egress_clients import policy_session
from tests.fakes.fake_webhook_receiver import FakeWebhookReceiver

ANSWERS = {"crm.internal": "10.0.0.7", "evil.internal": "169.254.169.254"}


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A resolver that answers the names above (and nothing else) and records every question."""
    asked: list[str] = []

    def answer(host, port, *args, **kwargs):  # noqa: ANN001, ANN202 - socket.getaddrinfo's signature
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ANSWERS[host], port))]

    monkeypatch.setattr(socket, "getaddrinfo", answer)
    return asked


def test_a_name_that_passed_is_checked_again_only_when_the_policy_changes(settings, resolver) -> None:
    settings.GATEWAY_EGRESS_ALLOW = []  # the default policy: private addresses allowed
    for _ in range(3):
        resolve_and_check("crm.internal", 443)
    assert resolver == ["crm.internal"]
    settings.GATEWAY_EGRESS_ALLOW = ["crm.internal"]
    resolve_and_check("crm.internal", 443)
    assert resolver == ["crm.internal", "crm.internal"]
    resolve_and_check("crm.internal", 8443)  # another port is another check
    assert len(resolver) == 3


def test_a_refusal_is_never_remembered(settings, resolver) -> None:
    settings.GATEWAY_EGRESS_ALLOW = []
    for _ in range(2):
        with pytest.raises(EgressRefused, match="never fetched"):
            resolve_and_check("evil.internal", 80)
    assert resolver == ["evil.internal", "evil.internal"]


def test_a_kept_alive_connection_sends_without_a_lookup_per_request(lookups) -> None:
    with FakeWebhookReceiver() as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost") + "/ok"
        session = policy_session()
        assert session.post(url, json={}, timeout=5).status_code == 200
        first = lookups.count("localhost")
        for _ in range(3):
            assert session.post(url, json={}, timeout=5).status_code == 200
    assert lookups.count("localhost") == first  # the check's lookup and the connection's were made once
