"""/health, /live, /ready and /info in the shape PraisonAI's `praisonai gateway status|test --check-runtime` reads."""

from __future__ import annotations

import pytest

from agents_app.models import Agent
from channels_app.listeners.models import ListenerState
from channels_app.models import ChannelInstance, GatewaySettings, InboundEvent

pytestmark = pytest.mark.django_db

TOKEN = "health-gateway-token"
AS_OPERATOR = f"Bearer {TOKEN}"  # /health shows error texts and process names only to an operator


@pytest.fixture
def gateway(db) -> None:
    Agent.objects.create(name="helper", model="echo")
    Agent.objects.create(name="off", model="echo", enabled=False)
    slack = ChannelInstance.objects.create(
        name="ops-slack", platform="slack", credentials={"token": "x", "signing_secret": "s"}
    )
    InboundEvent.objects.create(instance=slack, dedupe_key="e1", status="done")
    tg = ChannelInstance.objects.create(name="tg", platform="telegram", credentials={"token": "1:x"})
    ListenerState.objects.create(
        instance=tg, kind="telegram_poll", status="backoff", last_error="telegram getUpdates: boom"
    )
    ChannelInstance.objects.create(name="quiet", platform="webhook", credentials={"secret": "s"}, paused=True)
    gs = GatewaySettings.load()
    gs.auth_token = TOKEN
    gs.save()


def test_health_reports_uptime_agents_and_each_channel_with_its_state(client, gateway) -> None:
    body = client.get("/health", HTTP_AUTHORIZATION=AS_OPERATOR).json()
    assert body["status"] == "ok" and body["uptime"] >= 0
    assert body["agents"] == 1  # enabled agents
    assert set(body["channels"]) == {"ops-slack", "tg", "quiet"}
    slack = body["channels"]["ops-slack"]
    assert (slack["state"], slack["running"], slack["mode"]) == ("webhook", True, "events")
    assert slack["last_activity"] == body["last_inbound_at"] and isinstance(slack["last_activity"], float)
    tg = body["channels"]["tg"]
    assert (tg["state"], tg["ok"], tg["mode"]) == ("backoff", False, "poll")
    assert tg["reason"] == "telegram getUpdates: boom"
    assert "no secret_token" in tg["mode_reason"]
    quiet = body["channels"]["quiet"]
    assert (quiet["state"], quiet["paused"], quiet["running"]) == ("paused", True, False)
    assert quiet["supervision"]["manual_pause"] is True
    assert [row["instance"] for row in body["listeners"]] == ["tg"]


def test_health_says_when_no_process_will_ever_fire_schedules(client, gateway) -> None:
    schedules = client.get("/health").json()["schedules"]
    assert schedules["will_fire"] is False
    assert "schedules will never fire" in schedules["reason"]


def test_live_answers_alive_without_touching_the_database(client) -> None:
    assert client.get("/live").json()["alive"] is True


def test_ready_keeps_status_and_checks_and_adds_ready_for_praisonai(client) -> None:
    body = client.get("/ready").json()
    assert body["ready"] is True and body["status"] == "ready" and body["failing"] == []
    assert body["checks"]["database"]["ok"] is True


def test_info_needs_a_token(client, gateway) -> None:
    assert client.get("/info").status_code == 401


def test_info_with_the_gateway_token_lists_agents_version_protocol_and_admin_scopes(client, gateway) -> None:
    body = client.get("/info", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").json()
    assert body["agents"] == ["helper"]
    assert body["protocol_version"] == 1 and body["version"]
    assert body["scopes"] == ["read", "write", "admin"]


def test_a_ticking_embedded_scheduler_makes_health_say_schedules_will_fire(client, gateway) -> None:
    from routing.status import schedulers

    schedulers.beat("embedded", force=True)
    status = client.get("/health", HTTP_AUTHORIZATION=AS_OPERATOR).json()["schedules"]
    assert status["will_fire"] is True and status["schedulers"] == [f"embedded {schedulers.HOLDER}"]
    schedulers.forget()
    assert client.get("/health").json()["schedules"]["will_fire"] is False


def test_celery_beat_counts_once_it_has_sent_its_sweep(client, gateway) -> None:
    from django.utils import timezone
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every = IntervalSchedule.objects.create(every=60, period="seconds")
    PeriodicTask.objects.create(
        name="gateway-sweep-unfinished", task="routing.sweep_unfinished", interval=every, last_run_at=timezone.now()
    )
    assert client.get("/health", HTTP_AUTHORIZATION=AS_OPERATOR).json()["schedules"]["schedulers"] == ["celery beat"]


def test_health_says_not_configured_for_a_channel_missing_a_required_credential(client, gateway) -> None:
    ChannelInstance.objects.create(name="half-slack", platform="slack", credentials={"token": "x"})
    half = client.get("/health").json()["channels"]["half-slack"]
    assert (half["state"], half["ok"]) == ("not configured", False)
    assert "signing_secret or app_token" in half["reason"]


def test_the_dashboard_status_carries_the_scheduler_warning(client, gateway) -> None:
    body = client.get("/api/v1/status", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").json()
    assert body["runtime"]["scheduler"]["will_fire"] is False
    assert "schedules will never fire" in body["runtime"]["scheduler"]["reason"]


def test_anonymous_health_from_another_machine_shows_states_but_no_error_texts(client, gateway) -> None:
    body = client.get("/health").json()
    tg = body["channels"]["tg"]
    assert (tg["state"], tg["ok"]) == ("backoff", False)
    assert "boom" not in str(body) and tg["last_error"] == ""
    assert set(body["listeners"][0]) == {"instance", "platform", "kind", "status", "healthy"}
    assert "schedulers" not in body["schedules"] and body["schedules"]["will_fire"] is False
