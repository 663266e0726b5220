"""Tokens in the admin (one page for REST and WebSocket): scopes by checkbox, the value shown once, only its hash stored."""

from __future__ import annotations

import pytest

from channels_app.realtime.auth import authenticate_token
from channels_app.realtime.config import load_config
from channels_app.realtime.models import AccessToken


@pytest.mark.django_db
def test_creating_a_token_in_the_admin_shows_it_once_and_stores_only_its_hash(admin_client):
    response = admin_client.post(
        "/admin/api/apitoken/add/", {"name": "dashboard", "scopes": ["read"], "enabled": "on"}, follow=True
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    value = next(m for m in shown if "Token 'dashboard'" in m).split(": ", 1)[1].split(" ")[0]
    row = AccessToken.objects.get(name="dashboard")
    assert row.token_hash == AccessToken.hash(value)
    assert value not in str(AccessToken.objects.values())
    result = authenticate_token(value, load_config())
    assert result.ok and result.scopes == frozenset({"read"})


@pytest.mark.django_db
def test_a_disabled_token_is_refused():
    row, value = AccessToken.issue("old", ["admin"])
    AccessToken.objects.filter(pk=row.pk).update(enabled=False)
    assert authenticate_token(value, load_config()).ok is False


@pytest.mark.django_db
def test_admin_scope_implies_write_and_read():
    _, value = AccessToken.issue("ops", ["admin"])
    assert authenticate_token(value, load_config()).scopes == frozenset({"admin", "write", "read"})
