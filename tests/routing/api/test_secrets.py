"""Credentials and tokens: written in clear, read back masked; ${VAR} references shown; the mask written back keeps."""

from __future__ import annotations

import pytest

from channels_app.models import ChannelInstance, GatewaySettings
from gatewaysite.secrets import MASK

pytestmark = pytest.mark.django_db

WHATSAPP = {
    "name": "wa",
    "platform": "whatsapp",
    "credentials": {"token": "EAAG-real-secret", "phone_number_id": "1234567", "app_secret": "${WA_APP_SECRET}"},
}


def test_credentials_are_masked_on_read_but_references_and_public_ids_are_shown(api):
    created = api.post("/api/v1/channels/", WHATSAPP, format="json")
    assert created.status_code == 201, created.json()
    shown = api.get("/api/v1/channels/wa/").json()["credentials"]
    assert shown == {"token": MASK, "phone_number_id": "1234567", "app_secret": "${WA_APP_SECRET}"}
    assert "EAAG-real-secret" not in created.content.decode()
    assert ChannelInstance.objects.get(name="wa").credentials["token"] == "EAAG-real-secret"


def test_putting_back_what_was_read_keeps_the_stored_secret(api):
    api.post("/api/v1/channels/", WHATSAPP, format="json")
    body = api.get("/api/v1/channels/wa/").json()
    body["options"] = {"group_policy": "all"}
    for read_only in ("routing", "last_error", "last_error_at", "created_at", "updated_at"):
        body.pop(read_only)
    response = api.put("/api/v1/channels/wa/", body, format="json")
    assert response.status_code == 200, response.json()
    stored = ChannelInstance.objects.get(name="wa")
    assert stored.credentials["token"] == "EAAG-real-secret"
    assert stored.options == {"group_policy": "all"}


def test_a_new_secret_replaces_the_old_one(api):
    api.post("/api/v1/channels/", WHATSAPP, format="json")
    credentials = {**WHATSAPP["credentials"], "token": "${WA_TOKEN}"}
    api.patch("/api/v1/channels/wa/", {"credentials": credentials}, format="json")
    assert ChannelInstance.objects.get(name="wa").credentials["token"] == "${WA_TOKEN}"


def test_agent_api_keys_and_the_gateway_token_are_masked(api):
    api.post("/api/v1/agents/", {"name": "a", "model": "gpt-4o-mini", "api_key": "sk-live-123"}, format="json")
    assert api.get("/api/v1/agents/a/").json()["api_key"] == MASK
    api.patch("/api/v1/agents/a/", {"api_key": MASK}, format="json")
    from agents_app.models import Agent

    assert Agent.objects.get(name="a").api_key == "sk-live-123"
    response = api.patch("/api/v1/gateway-settings", {"auth_token": "plain-token-value"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["auth_token"] == MASK
    assert GatewaySettings.load().auth_token == "plain-token-value"


def test_the_yaml_export_never_contains_a_clear_secret(api):
    api.post("/api/v1/channels/", WHATSAPP, format="json")
    response = api.get("/api/v1/config/export")
    assert response.status_code == 200
    text = response.content.decode()
    assert "EAAG-real-secret" not in text
    assert "${WA_APP_SECRET}" in text


def test_the_yaml_export_needs_an_admin_token(reader):
    assert reader.get("/api/v1/config/export").status_code == 403
