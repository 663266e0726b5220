"""Broadcast, push channels and presence, schedule run-now and status, through the services that own them."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from agents_app.models import Agent
from channels_app.models import ChannelInstance, InboundEvent
from channels_app.realtime import groups
from routing.models import Schedule

pytestmark = pytest.mark.django_db


def test_a_broadcast_reaches_the_all_clients_group(api):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(groups.ALL_CLIENTS, channel)
    response = api.post("/api/v1/broadcast", {"data": {"text": "maintenance at 5"}}, format="json")
    assert response.status_code == 202, response.json()
    message = async_to_sync(layer.receive)(channel)
    assert message["frame"]["type"] == "broadcast"
    assert message["frame"]["data"] == {"text": "maintenance at 5"}
    assert message["frame"]["event_id"] == response.json()["event_id"]


def test_push_channels_are_created_listed_and_published_to(api, reader):
    assert api.post("/api/v1/push/channels", {"channel": "alerts"}, format="json").status_code == 201
    assert api.post("/api/v1/push/channels", {"channel": "alerts"}, format="json").status_code == 200
    assert [c["channel"] for c in reader.get("/api/v1/push/channels").json()["channels"]] == ["alerts"]
    published = api.post("/api/v1/push/channels/alerts/publish", {"data": {"n": 1}}, format="json")
    assert published.status_code == 202, published.json()
    assert published.json()["seq"] == 1
    assert reader.get("/api/v1/push/channels/alerts/presence").json() == {"channel": "alerts", "presence": []}


def test_publishing_to_an_unknown_push_channel_is_404(api):
    response = api.post("/api/v1/push/channels/nope/publish", {"data": {}}, format="json")
    assert response.status_code == 404
    assert "create it first" in response.json()["detail"]


@pytest.mark.django_db(transaction=True)  # the run closes its database connections like a worker does
def test_run_now_records_a_run_in_the_schedules_history(api):
    agent = Agent.objects.create(name="helper", model="echo")
    instance = ChannelInstance.objects.create(
        name="hooks", platform="webhook", credentials={"secret": "s"}, api_base_url="http://127.0.0.1:9/"
    )
    Schedule.objects.create(
        name="ping", schedule="every:1h", message="ping", agent=agent, instance=instance, channel_id="c"
    )
    response = api.post("/api/v1/schedules/ping/run/")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] in {"sent", "failed"}
    history = api.get("/api/v1/schedules/ping/runs/").json()
    assert history["count"] == 1
    assert history["results"][0]["id"] == response.json()["id"]


def test_status_counts_messages_per_platform_and_lists_instance_health(reader):
    instance = ChannelInstance.objects.create(name="tg", platform="telegram", credentials={"token": "1:x"})
    InboundEvent.objects.create(instance=instance, dedupe_key="1", status="failed", error="adapter exploded")
    body = reader.get("/api/v1/status").json()
    assert body["messages"]["inbound"] == 1
    assert body["messages"]["per_platform"]["telegram"]["inbound_failed"] == 1
    assert body["instances"][0]["name"] == "tg"
    assert body["recent_errors"][0]["error"] == "adapter exploded"


def test_status_needs_credentials(anonymous):
    assert anonymous.get("/api/v1/status").status_code == 401


def test_websocket_access_tokens_are_created_once_in_clear_and_then_only_described(api, reader):
    from channels_app.realtime.auth import authenticate_token
    from channels_app.realtime.config import load_config

    created = api.post("/api/v1/access-tokens", {"name": "kiosk", "scopes": ["read", "write"]}, format="json")
    assert created.status_code == 201, created.json()
    raw = created.json()["token"]
    assert authenticate_token(raw, load_config()).allows("write")
    listed = [t for t in api.get("/api/v1/access-tokens").json() if t["name"] == "kiosk"]
    assert len(listed) == 1 and "token" not in listed[0] and listed[0]["user"] == "operator"
    assert api.post("/api/v1/access-tokens", {"name": "kiosk", "scopes": ["read"]}, format="json").status_code == 400
    assert api.patch("/api/v1/access-tokens/kiosk", {"enabled": False}, format="json").json()["enabled"] is False
    assert not authenticate_token(raw, load_config()).ok
    assert reader.get("/api/v1/access-tokens").status_code == 403
    assert api.delete("/api/v1/access-tokens/kiosk").status_code == 204
    assert api.get("/api/v1/access-tokens/kiosk").status_code == 404
