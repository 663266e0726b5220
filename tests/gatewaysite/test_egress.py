"""The outbound policy: checked when configuration is validated and again when a connection is about to open.

The suite itself runs with the policy set to loopback only (root conftest), so no test can reach another host.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from agents_app.models import Agent
from channels_app.adapters.base import DeliveryError, Target
from channels_app.adapters.registry import get_adapter
from channels_app.models import ChannelInstance
from gatewaysite.egress import EgressRefused, check_resolved, check_url
from gatewaysite.egress_clients import RefusedByPolicy, policy_session
from tests.fakes.fake_webhook_receiver import FakeWebhookReceiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api() -> APIClient:
    """An administrator's browser session (the door under test is validation, not token auth)."""
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "admin-pass-123")
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def fake_receiver() -> Iterator[FakeWebhookReceiver]:
    with FakeWebhookReceiver() as fake:
        yield fake


def test_the_test_suite_runs_with_loopback_only_egress() -> None:
    assert set(django_settings.GATEWAY_EGRESS_ALLOW) == {"127.0.0.0/8", "::1", "localhost"}


def test_a_non_loopback_model_host_is_refused_before_any_dns_lookup(api, lookups) -> None:
    # Stored directly, as rows written before the policy existed would be: the connect-time check still holds.
    Agent.objects.create(name="remote", model="gpt-4o-mini", base_url="http://llm.example.com/v1", api_key="k")
    response = api.post("/api/v1/agents/remote/chat", {"message": "hello"}, format="json")
    assert response.status_code == 502 and response.json()["code"] == "unreachable"
    assert "llm.example.com" not in lookups


def test_a_non_loopback_platform_host_is_refused_before_any_dns_lookup(lookups) -> None:
    instance = ChannelInstance.objects.create(
        name="slack-out",
        platform="slack",
        credentials={"token": "xoxb-1", "signing_secret": "s"},
        api_base_url="http://slack.example.com/api",
    )
    with pytest.raises(DeliveryError) as refused:
        get_adapter(instance).send("hi", Target(chat_id="C1"))
    assert refused.value.permanent and refused.value.code == "egress_refused"
    assert "slack.example.com" not in lookups


def test_a_tool_request_to_a_non_loopback_host_is_refused_before_any_dns_lookup(lookups) -> None:
    with pytest.raises(RefusedByPolicy, match="not in GATEWAY_EGRESS_ALLOW"):
        policy_session().get("https://api.duckduckgo.com/", timeout=1)
    assert lookups == []


def test_a_loopback_target_is_still_reached(fake_receiver) -> None:
    assert policy_session().post(fake_receiver.url + "/ok", json={}, timeout=5).status_code == 200
    assert isinstance(requests.exceptions.InvalidURL("x"), requests.RequestException)


@pytest.mark.parametrize(
    "address", ["169.254.169.254", "fd00:ec2::254", "fe80::1", "::ffff:169.254.169.254", "100.100.100.200"]
)
def test_a_name_resolving_to_a_metadata_address_is_refused_at_connect_time(settings, address) -> None:
    settings.GATEWAY_EGRESS_ALLOW = []  # the default policy: private ranges allowed, metadata never
    with pytest.raises(EgressRefused, match="never fetched"):
        check_resolved("innocent.example", ["10.0.0.7", address])


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://169.254.169.254/latest/meta-data/", "never fetched"),
        ("http://[fd00:ec2::254]/", "never fetched"),
        ("http://metadata.google.internal/computeMetadata/v1/", "never fetched"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://127.0.0.1:70/_x", "only http and https"),
    ],
)
def test_the_default_policy_refuses_metadata_and_other_schemes_but_allows_private_hosts(settings, url, message) -> None:
    settings.GATEWAY_EGRESS_ALLOW = []
    with pytest.raises(EgressRefused, match=message):
        check_url(url)
    assert check_url("http://10.1.2.3:11434/v1") == ("10.1.2.3", 11434)
    assert check_url("http://ollama.internal/v1") == ("ollama.internal", 80)


def test_an_allow_list_admits_listed_names_and_networks_only(settings) -> None:
    settings.GATEWAY_EGRESS_ALLOW = ["api.openai.com", "10.0.0.0/8"]
    assert check_url("https://api.openai.com/v1")[0] == "api.openai.com"
    assert check_url("http://10.9.8.7/")[0] == "10.9.8.7"
    for url in ("https://api.anthropic.com/", "http://192.168.1.1/", "http://127.0.0.1/"):
        with pytest.raises(EgressRefused, match="GATEWAY_EGRESS_ALLOW"):
            check_url(url)


def test_the_api_refuses_an_agent_base_url_at_a_metadata_address(api, settings) -> None:
    settings.GATEWAY_EGRESS_ALLOW = []
    response = api.post(
        "/api/v1/agents/", {"name": "leaky", "model": "gpt-4o", "base_url": "http://169.254.169.254/v1"}, format="json"
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["base_url"]
    assert not Agent.objects.filter(name="leaky").exists()


def test_the_api_refuses_a_channel_api_base_url_with_another_scheme(api) -> None:
    response = api.post(
        "/api/v1/channels/",
        {"name": "tg", "platform": "telegram", "credentials": {"token": "1:a"}, "api_base_url": "gopher://127.0.0.1/"},
        format="json",
    )
    assert response.status_code == 400
    assert "api_base_url" in [e["field"] for e in response.json()["errors"]]


def test_a_yaml_callback_url_outside_the_policy_is_a_key_path_error(api) -> None:
    text = "channels:\n  hooks:\n    platform: webhook\n    secret: s\n    callback_url: http://10.0.0.8/replies\n"
    response = api.post("/api/v1/config/import?dry_run=1", text.encode(), content_type="application/yaml")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "channels.hooks.callback_url" and "GATEWAY_EGRESS_ALLOW" in error["message"]


def test_a_slack_socket_mode_url_outside_the_policy_is_refused_before_any_dns_lookup(lookups) -> None:
    from gatewaysite.egress import check_before_connect

    with pytest.raises(EgressRefused, match="not in GATEWAY_EGRESS_ALLOW"):
        check_before_connect("wss://wss-primary.slack.com/link/?ticket=x")
    check_before_connect("ws://127.0.0.1:9/link")  # loopback passes
    assert lookups == []
