"""POST /api/channels/<name>/pause|resume|reconnect (PraisonAI's `gateway pause|resume|reconnect`) and the gateway
auth_token on the REST API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from channels_app.adapters.base import InboundMessage
from channels_app.models import ChannelInstance, GatewaySettings, InboundEvent
from channels_app.webhooks.intake import store
from routing.serving import access

GATEWAY_TOKEN = "control-gateway-token"


def make_message(text: str, dedupe: str) -> InboundMessage:
    return InboundMessage(platform="telegram", dedupe_key=dedupe, chat_id="42", text=text, sender_id="7")


@pytest.fixture
def instance(db) -> ChannelInstance:
    gs = GatewaySettings.load()
    gs.auth_token = GATEWAY_TOKEN
    gs.save()
    return ChannelInstance.objects.create(name="tg", platform="telegram", credentials={"token": "1:x"})


@pytest.fixture
def gateway_client(instance) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {GATEWAY_TOKEN}")
    return client


@pytest.fixture
def loopback_bind():
    access.record_bind("127.0.0.1")
    yield
    access.record_bind("")


def test_pause_stores_messages_without_answering_them_until_resume(gateway_client, instance) -> None:
    response = gateway_client.post("/api/channels/tg/pause")
    assert response.status_code == 200 and response.json()["success"] is True
    store(instance.__class__.objects.get(pk=instance.pk), [make_message("while paused", dedupe="u1")])
    event = InboundEvent.objects.get(dedupe_key="u1")
    assert event.status == InboundEvent.Status.IGNORED and "paused" in event.error
    assert gateway_client.post("/api/channels/tg/resume").json() == {
        "success": True,
        "message": "Channel 'tg' resumed",
        "channel": "tg",
        "paused": False,
    }
    store(instance.__class__.objects.get(pk=instance.pk), [make_message("after resume", dedupe="u2")])
    assert InboundEvent.objects.get(dedupe_key="u2").status == InboundEvent.Status.RECEIVED


def test_reconnect_restarts_the_listener_by_touching_the_instance(gateway_client, instance) -> None:
    before = instance.updated_at
    body = gateway_client.post("/api/channels/tg/reconnect").json()
    assert body["success"] is True and "telegram_poll listener restarts" in body["message"]
    instance.refresh_from_db()
    assert instance.updated_at > before


def test_an_unknown_channel_or_action_is_404(gateway_client) -> None:
    assert gateway_client.post("/api/channels/nope/pause").status_code == 404
    assert gateway_client.post("/api/channels/tg/explode").status_code == 404


def test_control_needs_credentials_and_admin_scope(instance, reader) -> None:
    assert APIClient().post("/api/channels/tg/pause").status_code == 401
    assert reader.post("/api/channels/tg/pause").status_code == 403
    assert APIClient(HTTP_AUTHORIZATION="Bearer wrong").post("/api/channels/tg/pause").status_code == 401
    instance.refresh_from_db()
    assert instance.paused is False


def test_a_local_request_to_a_loopback_bound_gateway_needs_no_token(instance, loopback_bind) -> None:
    assert APIClient(REMOTE_ADDR="127.0.0.1").post("/api/channels/tg/pause").status_code == 200


def test_loopback_trust_never_covers_proxied_or_remote_requests(instance, loopback_bind, settings) -> None:
    proxied = APIClient(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.post("/api/channels/tg/pause").status_code == 401
    assert APIClient(REMOTE_ADDR="192.0.2.7").post("/api/channels/tg/pause").status_code == 401
    settings.GATEWAY_LOOPBACK_TRUST = False
    assert APIClient(REMOTE_ADDR="127.0.0.1").post("/api/channels/tg/pause").status_code == 401


def test_loopback_trust_is_off_unless_rungateway_bound_loopback(instance) -> None:
    assert APIClient(REMOTE_ADDR="127.0.0.1").post("/api/channels/tg/pause").status_code == 401


def test_the_gateway_auth_token_is_an_admin_token_on_the_rest_api(gateway_client) -> None:
    assert gateway_client.get("/api/v1/agents/").status_code == 200
    created = gateway_client.post("/api/v1/agents/", {"name": "made-by-gateway-token", "model": "echo"}, format="json")
    assert created.status_code == 201, created.content


def test_info_lists_the_callers_own_scopes(instance, reader) -> None:
    assert reader.get("/info").json()["scopes"] == ["read"]
