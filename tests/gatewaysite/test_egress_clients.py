"""`egress_clients.post`, the platform adapters' POST: straight to the session's transport when nothing in the
session needs requests' session layer, through `Session.post` otherwise, and behind the outbound policy either way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from gatewaysite import egress_clients
from gatewaysite.egress_clients import RefusedByPolicy, mount_policy
from tests.fakes.fake_webhook_receiver import Answer, FakeWebhookReceiver


@pytest.fixture
def receiver() -> Iterator[FakeWebhookReceiver]:
    with FakeWebhookReceiver() as fake:
        yield fake


@pytest.fixture
def session(monkeypatch) -> requests.Session:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NETRC"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HOME", "/nonexistent-home")  # no ~/.netrc: the session stops reading the environment
    return mount_policy(requests.Session())


def test_a_post_sends_the_body_and_the_session_headers_under_the_call_headers(receiver, session) -> None:
    session.headers["X-Session"] = "kept"
    receiver.script("/api/chat.postMessage", Answer(body={"ok": True, "ts": "1.2"}))
    response = egress_clients.post(
        session,
        receiver.url + "/api/chat.postMessage",
        json={"channel": "C1", "text": "héllo"},
        headers={"Authorization": "Bearer xoxb-1", "User-Agent": "AgentGateway/1.0"},
        timeout=(2, 5),
    )
    assert response.status_code == 200 and response.json() == {"ok": True, "ts": "1.2"}
    (seen,) = receiver.received("/api/chat.postMessage")
    assert seen.json == {"channel": "C1", "text": "héllo"}
    assert seen.header("Content-Type") == "application/json"
    assert (seen.header("Authorization"), seen.header("User-Agent")) == ("Bearer xoxb-1", "AgentGateway/1.0")
    assert seen.header("X-Session") == "kept"


def test_posts_reuse_one_pooled_connection(receiver, session) -> None:
    for _ in range(3):
        assert egress_clients.post(session, receiver.url + "/hook", data=b"{}", timeout=5).status_code == 200
    pools = session.get_adapter(receiver.url).poolmanager.pools
    (key,) = pools.keys()
    assert (pools[key].num_connections, pools[key].num_requests) == (1, 3)


def test_an_error_status_comes_back_as_a_response(receiver, session) -> None:
    receiver.script("/busy", Answer(status=429, body={"ok": False}, headers={"Retry-After": "7"}))
    response = egress_clients.post(session, receiver.url + "/busy", json={}, timeout=5)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "7")


def test_a_session_with_hooks_goes_through_the_session_layer(receiver, session) -> None:
    seen: list[int] = []
    session.hooks["response"].append(lambda response, **kwargs: seen.append(response.status_code))
    egress_clients.post(session, receiver.url + "/hooked", json={}, timeout=5)
    assert seen == [200]


def test_the_outbound_policy_still_refuses_before_connecting(session) -> None:
    with pytest.raises(RefusedByPolicy, match="never fetched"):
        egress_clients.post(session, "http://169.254.169.254/latest/meta-data/", json={}, timeout=1)
