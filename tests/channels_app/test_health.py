"""Instance health has one source: the dashboard, /health, gateway_status and /metrics agree on each instance's
state and last error; unresolved credentials read "not configured"; failed agent runs and web chat are counted."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from agents_app.models import AgentRun
from channels_app.adapters import DeliveryError, Target, get_adapter
from channels_app.health import instance_states
from channels_app.models import ChannelInstance, OutboundMessage
from console_app.roles import VIEWER, assign_role
from routing.status.health import channel_states
from routing.status.snapshot import gateway_status_snapshot as snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer() -> Client:
    user = get_user_model().objects.create_user("watcher", password="watch-pass-123")
    assign_role(user, VIEWER)
    client = Client()
    client.force_login(user)
    return client


def dashboard(client: Client) -> dict:
    return {row["name"]: row for row in client.get("/api/v1/status").json()["instances"]}


def test_a_credential_whose_variable_is_unset_reads_not_configured_everywhere(viewer, monkeypatch) -> None:
    monkeypatch.delenv("HEALTH_TEST_SLACK_TOKEN", raising=False)
    ChannelInstance.objects.create(
        name="acme", platform="slack", credentials={"token": "${HEALTH_TEST_SLACK_TOKEN}", "signing_secret": "s"}
    )
    [state] = instance_states()
    assert (state.state, state.ok) == ("not configured", False)
    assert "${HEALTH_TEST_SLACK_TOKEN} is not set" in state.reason
    assert dashboard(viewer)["acme"]["state"] == "not configured"
    assert channel_states()["acme"]["ok"] is False and "HEALTH_TEST_SLACK_TOKEN" in channel_states()["acme"]["reason"]


def test_a_refused_connection_names_the_platform_host_and_call() -> None:
    instance = ChannelInstance.objects.create(
        name="acme",
        platform="slack",
        credentials={"token": "xoxb-1", "signing_secret": "s"},
        api_base_url="http://127.0.0.1:9",
    )
    with pytest.raises(DeliveryError) as caught:
        get_adapter(instance).send("hi", Target(chat_id="C1"))
    assert str(caught.value) == "slack: connection refused to 127.0.0.1:9 (chat.postMessage)"


def test_a_failed_delivery_makes_the_instance_degraded_with_its_error_shown_in_every_place(viewer) -> None:
    instance = ChannelInstance.objects.create(
        name="acme", platform="slack", credentials={"token": "xoxb-1", "signing_secret": "s"}
    )
    OutboundMessage.objects.create(
        instance=instance,
        idempotency_key="reply:1:0",
        chat_id="C1",
        text="hi",
        status="failed",
        error="slack: connection refused to 127.0.0.1:9 (chat.postMessage)",
    )
    expected = "slack: connection refused to 127.0.0.1:9 (chat.postMessage)"
    [state] = instance_states()
    assert (state.state, state.last_error) == ("degraded", expected)
    row = dashboard(viewer)["acme"]
    assert (row["state"], row["healthy"], row["last_error"], row["listener"]) == (
        "degraded",
        False,
        expected,
        "webhook",
    )
    assert channel_states()["acme"]["last_error"] == expected and channel_states()["acme"]["ok"] is False
    [listed] = snapshot()["instances"]
    assert (listed["state"], listed["last_error"]) == ("degraded", expected)


def test_a_healthy_instance_and_a_disabled_one() -> None:
    ChannelInstance.objects.create(name="a", platform="slack", credentials={"token": "x", "signing_secret": "s"})
    ChannelInstance.objects.create(name="b", platform="slack", enabled=False)
    assert [(s.name, s.state, s.ok) for s in instance_states()] == [("a", "healthy", True), ("b", "disabled", True)]


def test_failed_agent_runs_are_recent_errors_and_metrics_and_web_chat_is_its_own_platform(viewer) -> None:
    AgentRun.objects.create(
        agent_name="helper",
        model="gtp-4o",
        status="error",
        error="agent 'helper' cannot use model 'gtp-4o': unknown model",
        context={"source": "websocket", "session": "ws:1"},
        input_text="hi",
    )
    AgentRun.objects.create(agent_name="helper", model="echo", status="ok", context={"source": "websocket"})
    status = viewer.get("/api/v1/status").json()
    [error] = [e for e in status["recent_errors"] if e["kind"] == "agent"]
    assert "unknown model" in error["error"] and error["trace"].startswith("run-")
    assert status["messages"]["per_platform"]["webchat"] == {
        "inbound": 2,
        "inbound_failed": 1,
        "outbound": 1,
        "outbound_failed": 0,
    }
    metrics = Client().get("/metrics").content.decode()
    assert 'gateway_agent_runs_total{agent="helper",status="error"} 1.0' in metrics
    assert 'gateway_messages_in_total{platform="webchat",status="failed"} 1.0' in metrics
