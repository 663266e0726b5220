"""The operator pages: staff only, linked from the admin, each with a WebSocket token the gateway accepts."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model

from agents_app.models import Agent
from channels_app.realtime.auth import authenticate_token
from channels_app.realtime.config import load_config
from console_app.roles import ADMIN, assign_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_user("op", password="op-pass-123")
    assign_role(user, ADMIN)
    client.force_login(user)
    return user


def page_token(html: str) -> str:
    match = re.search(r'<script id="ws-token" type="application/json">(.*?)</script>', html)
    assert match, "the page carries no WebSocket token"
    return json.loads(match.group(1))


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    for url in ("/ops/", "/ops/chat/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_a_user_without_a_role_is_refused_and_told_why(client):
    client.force_login(get_user_model().objects.create_user("plain", password="plain-pass-123", is_staff=True))
    response = client.get("/ops/")
    assert response.status_code == 403 and "viewer role" in response.content.decode()


def test_the_dashboard_token_opens_the_websocket_with_admin_scope(client, staff):
    html = client.get("/ops/").content.decode()
    result = authenticate_token(page_token(html), load_config())
    assert result.ok and result.allows("admin")
    assert 'id="inbound-count"' in html


def test_each_page_load_rotates_the_token(client, staff):
    first = page_token(client.get("/ops/").content.decode())
    second = page_token(client.get("/ops/chat/").content.decode())
    assert first != second
    assert not authenticate_token(first, load_config()).ok
    assert authenticate_token(second, load_config()).ok


def test_the_chat_lists_only_enabled_agents_and_preselects_the_asked_one(client, staff):
    Agent.objects.create(name="alpha", model="echo")
    Agent.objects.create(name="beta", model="echo")
    Agent.objects.create(name="off", model="echo", enabled=False)
    html = client.get("/ops/chat/?agent=beta").content.decode()
    assert re.findall(r'<option value="([^"]+)"', html) == ["alpha", "beta"]
    assert '<option value="beta" selected>' in html


def test_the_admin_index_links_to_the_operator_pages(client):
    admin = get_user_model().objects.create_superuser("root", password="root-pass-123")
    client.force_login(admin)
    html = client.get("/admin/").content.decode()
    assert 'href="/ops/"' in html and 'href="/ops/chat/"' in html
    assert "Agents" in html or "agent" in html.lower()  # Django's own app list is still there
