"""Probes, Prometheus metrics and `manage.py gateway_status`."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from agents_app.models import AgentRun
from channels_app.models import ChannelInstance, InboundEvent, OutboundMessage

BROKEN_LAYER = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
    }
}


@pytest.fixture
def traffic(db) -> ChannelInstance:
    instance = ChannelInstance.objects.create(name="tg", platform="telegram", credentials={"token": "${TG_TOKEN}"})
    for index, status in enumerate(["done", "done", "received", "failed"]):
        InboundEvent.objects.create(
            instance=instance, dedupe_key=f"u{index}", status=status, error="boom" * (status == "failed")
        )
    OutboundMessage.objects.create(instance=instance, idempotency_key="k1", chat_id="1", text="hi", status="sent")
    OutboundMessage.objects.create(
        instance=instance, idempotency_key="k2", chat_id="1", text="hi", status="failed", error="chat not found"
    )
    AgentRun.objects.create(agent_name="support", model="echo", status="ok", duration_ms=30)
    AgentRun.objects.create(agent_name="support", model="echo", status="ok", duration_ms=3000)
    return instance


def test_health_answers_ok_even_when_the_database_cannot_be_reached(client) -> None:
    response = client.get("/health")  # no database access allowed in this test: as good as an outage
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "unavailable"
    assert isinstance(body["uptime"], float)


@pytest.mark.django_db
def test_ready_reports_database_and_channel_layer(client) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] and body["checks"]["channel_layer"]["ok"]


@pytest.mark.django_db
def test_ready_is_503_when_the_channel_layer_is_unreachable(client, settings) -> None:
    settings.CHANNEL_LAYERS = BROKEN_LAYER
    response = client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["channel_layer"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert "127.0.0.1:1" not in json.dumps(body)  # the error names the failure, not the connection details


def test_metrics_count_messages_by_platform_and_status_and_agent_latency(client, traffic) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'gateway_messages_in_total{platform="telegram",status="done"} 2.0' in text
    assert 'gateway_messages_in_total{platform="telegram",status="failed"} 1.0' in text
    assert 'gateway_messages_out_total{platform="telegram",status="sent"} 1.0' in text
    assert 'gateway_agent_latency_seconds_bucket{agent="support",le="0.05"} 1.0' in text
    assert 'gateway_agent_latency_seconds_bucket{agent="support",le="+Inf"} 2.0' in text
    assert 'gateway_agent_latency_seconds_sum{agent="support"} 3.03' in text
    assert 'gateway_queue_depth{queue="inbound"} 1.0' in text
    assert "gateway_websocket_connections 0.0" in text


def test_gateway_status_json_reports_instances_queues_and_last_errors(traffic) -> None:
    out = StringIO()
    call_command("gateway_status", "--json", stdout=out)
    snapshot = json.loads(out.getvalue())
    assert snapshot["ready"] is True
    assert snapshot["mode"] in {"embedded", "distributed"}
    [instance] = snapshot["instances"]
    assert instance["delivery"] == {"sent_last_hour": 1, "failed_last_hour": 1, "last_sent_at": None}
    assert snapshot["queues"]["inbound_backlog"] == 1
    assert {error["error"] for error in snapshot["last_errors"]} == {"boom", "chat not found"}
    assert snapshot["websocket"] == {"connected_clients": 0}


def test_gateway_status_text_names_each_instance_and_never_a_secret(traffic) -> None:
    out = StringIO()
    call_command("gateway_status", stdout=out)
    text = out.getvalue()
    assert "tg (telegram): sent 1, failed 1 in the last hour" in text
    assert "TG_TOKEN" not in text


@pytest.mark.django_db
def test_gateway_status_exits_non_zero_when_not_ready(settings) -> None:
    settings.CHANNEL_LAYERS = BROKEN_LAYER
    with pytest.raises(SystemExit) as exited:
        call_command("gateway_status", stdout=StringIO())
    assert exited.value.code == 1


def test_gateway_status_says_when_schedules_will_never_fire_and_how_telegram_receives(traffic) -> None:
    out = StringIO()
    call_command("gateway_status", stdout=out)
    text = out.getvalue()
    assert "WARNING: no process fires schedules" in text or "WARNING: no celery beat" in text
    assert "tg: receives by poll: no secret_token" in text
    snapshot = StringIO()
    call_command("gateway_status", "--json", stdout=snapshot)
    data = json.loads(snapshot.getvalue())
    assert data["scheduler"]["will_fire"] is False
    assert data["instances"][0]["mode"] == "poll"
