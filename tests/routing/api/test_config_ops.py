"""Singletons, YAML import (dry-run diff, errors by key path) and export, and the API tokens themselves."""

from __future__ import annotations

import pytest
from django.utils import timezone

from agents_app.models import Agent, ProviderSettings
from routing.api.models import ApiToken

pytestmark = pytest.mark.django_db

YAML = """
agents:
  helper:
    model: echo
    instructions: Be brief.
channels:
  hooks:
    platform: webhook
    secret: ${HOOK_SECRET}
    routing:
      default: helper
"""


def test_the_provider_fallback_reads_and_updates(api):
    assert api.get("/api/v1/provider").json() == {"model": ""}
    assert api.put("/api/v1/provider", {"model": "echo"}, format="json").json() == {"model": "echo"}
    assert ProviderSettings.load().model == "echo"


def test_a_dry_run_import_reports_the_diff_and_writes_nothing(api):
    response = api.post("/api/v1/config/import", {"yaml": YAML, "dry_run": True}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["dry_run"] is True and body["changed"] is True
    assert {"section": "agent", "name": "helper", "action": "create"} in [
        {key: change[key] for key in ("section", "name", "action")} for change in body["changes"]
    ]
    assert not Agent.objects.exists()


def test_an_import_applies_and_a_second_one_changes_nothing(api):
    assert api.post("/api/v1/config/import", {"yaml": YAML}, format="json").json()["changed"] is True
    assert Agent.objects.filter(name="helper").exists()
    assert api.post("/api/v1/config/import", {"yaml": YAML}, format="json").json()["changed"] is False
    exported = api.get("/api/v1/config/export").content.decode()
    assert "helper" in exported and "${HOOK_SECRET}" in exported


def test_an_import_error_names_the_key_path(api):
    bad = YAML.replace("default: helper", "default: helpr")
    response = api.post("/api/v1/config/import", {"yaml": bad}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "channels.hooks.routing.default",
            "message": "unknown agent 'helpr' (did you mean 'helper'?)",
            "code": "invalid",
        }
    ]
    assert not Agent.objects.exists()


def test_import_is_a_write(reader):
    assert reader.post("/api/v1/config/import", {"yaml": YAML}, format="json").status_code == 403


def test_a_revoked_or_expired_token_is_refused(api, staff_user):
    token, raw = ApiToken.issue(staff_user, "short", ApiToken.Scope.ADMIN)
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get("/api/v1/agents/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert client.get("/api/v1/agents/").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None, enabled=False)
    assert client.get("/api/v1/agents/").status_code == 401


def test_only_the_hash_of_a_token_is_stored(staff_user):
    token, raw = ApiToken.issue(staff_user, "x")
    assert raw not in (token.token_hash, token.prefix)
    assert raw.startswith(token.prefix)


def test_an_admin_token_of_a_viewer_may_only_read(db):
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    from console_app.roles import VIEWER, assign_role

    user = get_user_model().objects.create_user("viewer", password="x-pass-123")
    assign_role(user, VIEWER)
    _, raw = ApiToken.issue(user, "viewer", ApiToken.Scope.ADMIN)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/agents/").status_code == 200
    assert client.post("/api/v1/agents/", {"name": "x"}, format="json").status_code == 403


def test_a_staff_session_may_use_the_browsable_api(staff_user, client):
    client.force_login(staff_user)
    response = client.get("/api/v1/agents/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"Agent" in response.content


def test_a_token_created_in_the_admin_is_shown_once_and_works(client, staff_user):
    import re

    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    root = get_user_model().objects.create_superuser("root", password="root-pass-123")
    client.force_login(root)
    response = client.post(
        "/admin/api/apitoken/add/",
        {
            "user": staff_user.pk,
            "name": "ci",
            "scopes": ["read"],
            "enabled": "on",
            "expires_at_0": "",
            "expires_at_1": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    raw = re.search(r"(gw_[A-Za-z0-9_-]{20,})", response.content.decode()).group(1)
    stored = ApiToken.objects.get(name="ci")
    assert stored.token_hash != raw and raw.startswith(stored.prefix)
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/agents/").status_code == 200
    assert api_client.post("/api/v1/agents/", {"name": "x"}, format="json").status_code == 403
    assert raw not in client.get(f"/admin/api/apitoken/{stored.pk}/change/").content.decode()


def test_a_raw_yaml_body_imports_with_flags_from_the_query_string(api):
    dry = api.post("/api/v1/config/import?dry_run=true", YAML, content_type="application/yaml")
    assert dry.status_code == 200, dry.json()
    assert dry.json()["dry_run"] is True and not Agent.objects.exists()
    applied = api.post("/api/v1/config/import", YAML.encode(), content_type="text/yaml")
    assert applied.status_code == 200 and Agent.objects.filter(name="helper").exists()
    broken = api.post("/api/v1/config/import", "agents: [", content_type="application/yaml")
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["message"].startswith("YAML syntax error")


def test_an_export_of_named_channels_carries_the_agents_they_route_to(api):
    import yaml

    api.post("/api/v1/config/import", {"yaml": YAML}, format="json")
    api.post("/api/v1/agents/", {"name": "unrelated", "model": "echo"}, format="json")
    exported = yaml.safe_load(api.get("/api/v1/config/export?channels=hooks").content)
    assert list(exported["channels"]) == ["hooks"]
    assert list(exported["agents"]) == ["helper"]
    whole = yaml.safe_load(api.get("/api/v1/config/export").content)
    assert set(whole["agents"]) == {"helper", "unrelated"}
