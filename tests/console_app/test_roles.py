"""Roles: viewer reads everything and changes nothing; operator also takes over, chats and runs schedules; admin
configures, manages tokens and users. Enforced alike in the admin, /ops/, the REST API and WebSocket scopes."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.test import APIClient

from agents_app.models import Agent
from channels_app.models import ChannelInstance
from channels_app.realtime.auth import authenticate_token
from channels_app.realtime.config import load_config
from console_app.roles import ADMIN, OPERATOR, VIEWER, assign_role, clip_scopes, role_of
from routing.api.models import ApiToken
from routing.models import Schedule, ScheduleRun
from routing.ui.ws_token import ops_token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, object]:
    agent = Agent.objects.create(name="helper", model="echo")
    instance = ChannelInstance.objects.create(name="hooks", platform="webhook", credentials={"secret": "s"})
    schedule = Schedule.objects.create(
        name="daily", schedule="cron:0 9 * * *", message="hi", agent=agent, instance=instance, channel_id="c"
    )
    return {"agent": agent, "schedule": schedule}


def person(role: str | None) -> object:
    user = get_user_model().objects.create_user(f"user-{role}", password="pass-123456789", is_staff=True)
    if role:
        assign_role(user, role)
    return user


def browser(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: object, scope: str = ApiToken.Scope.ADMIN) -> APIClient:
    _, raw = ApiToken.issue(user, "t", scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_the_migration_created_three_groups_with_their_permissions() -> None:
    viewer, operator, admin = (Group.objects.get(name=name) for name in (VIEWER, OPERATOR, ADMIN))
    codes = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in (viewer, operator, admin)}
    assert {"view_agent", "view_inboundevent", "view_session", "view_schedule"} <= codes[VIEWER]
    assert not {c for c in codes[VIEWER] if not c.startswith("view_")}, "a viewer changes nothing"
    assert "view_apitoken" not in codes[VIEWER] and "view_user" not in codes[VIEWER]
    assert {"take_over_session", "use_web_chat", "run_schedule_now"} <= codes[OPERATOR]
    assert "change_agent" not in codes[OPERATOR]
    assert {"change_agent", "add_user", "add_apitoken", "take_over_session"} <= codes[ADMIN]


def test_a_viewer_reads_the_admin_but_cannot_change_or_run_anything(world) -> None:
    client = browser(person(VIEWER))
    agent = world["agent"]
    assert client.get("/admin/agents_app/agent/").status_code == 200
    assert client.get(f"/admin/agents_app/agent/{agent.pk}/change/").status_code == 200  # view-only form
    assert client.post(f"/admin/agents_app/agent/{agent.pk}/change/", {"name": "x"}).status_code == 403
    assert client.get("/admin/agents_app/agent/add/").status_code == 403
    assert client.get("/admin/auth/user/").status_code == 403
    page = client.get(f"/admin/routing/schedule/{world['schedule'].pk}/change/").content.decode()
    assert 'id="run-now"' not in page
    assert client.post(f"/admin/routing/schedule/{world['schedule'].pk}/run-now/").status_code == 403
    assert not ScheduleRun.objects.exists()


def test_an_operator_runs_a_schedule_from_its_page_but_cannot_configure(world) -> None:
    client = browser(person(OPERATOR))
    schedule = world["schedule"]
    page = client.get(f"/admin/routing/schedule/{schedule.pk}/change/").content.decode()
    assert 'id="run-now"' in page and "next run" in page.lower()
    response = client.post(f"/admin/routing/schedule/{schedule.pk}/run-now/")
    assert response.status_code == 302 and ScheduleRun.objects.filter(schedule=schedule).count() == 1
    assert client.post(f"/admin/agents_app/agent/{world['agent'].pk}/change/", {"name": "x"}).status_code == 403
    assert client.get("/admin/routing/api/apitoken/").status_code in (403, 404)


def test_an_admin_configures_and_manages_users_and_tokens(world) -> None:
    client = browser(person(ADMIN))
    assert client.get("/admin/agents_app/agent/add/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 200
    assert client.get("/admin/api/apitoken/").status_code == 200


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (VIEWER, ["/ops/", "/ops/traces/"], ["/ops/chat/"]),
        (OPERATOR, ["/ops/", "/ops/traces/", "/ops/chat/"], []),
        (ADMIN, ["/ops/", "/ops/traces/", "/ops/chat/"], []),
        (None, [], ["/ops/", "/ops/traces/", "/ops/chat/"]),
    ],
)
def test_the_operator_pages_follow_the_role(world, role, allowed, refused) -> None:
    client = browser(person(role))
    for url in allowed:
        assert client.get(url).status_code == 200, url
    for url in refused:
        assert client.get(url).status_code == 403, url


def test_over_the_api_a_viewer_reads_an_operator_chats_and_an_admin_configures(world) -> None:
    body = {"message": "hello"}
    viewer, operator, admin = api(person(VIEWER)), api(person(OPERATOR)), api(person(ADMIN))
    for client in (viewer, operator, admin):
        assert client.get("/api/v1/agents/").status_code == 200
        assert client.get("/api/v1/traces/").status_code == 200
    assert viewer.post("/api/v1/agents/helper/chat", body, format="json").status_code == 403
    assert operator.post("/api/v1/agents/helper/chat", body, format="json").status_code == 200
    assert viewer.post("/api/v1/schedules/daily/run/").status_code == 403
    assert operator.post("/api/v1/schedules/daily/run/").status_code == 201
    new_agent = {"name": "second", "model": "echo"}
    assert operator.post("/api/v1/agents/", new_agent, format="json").status_code == 403
    assert admin.post("/api/v1/agents/", new_agent, format="json").status_code == 201


def test_a_read_token_stays_read_only_whatever_the_role_and_no_role_reads_nothing(world) -> None:
    reader = api(person(ADMIN), ApiToken.Scope.READ)
    assert reader.get("/api/v1/agents/").status_code == 200
    assert reader.post("/api/v1/agents/helper/chat", {"message": "hi"}, format="json").status_code == 403
    nobody = api(person(None))
    assert nobody.get("/api/v1/agents/").status_code == 403


@pytest.mark.parametrize(("role", "scope"), [(VIEWER, "read"), (OPERATOR, "write"), (ADMIN, "admin")])
def test_the_websocket_token_of_an_operator_page_carries_the_role_s_scope(role, scope) -> None:
    user = person(role)
    result = authenticate_token(ops_token_for(user), load_config())
    assert result.ok and result.allows(scope)
    higher = {"read": "write", "write": "admin"}.get(scope)
    assert higher is None or not result.allows(higher)
    assert (
        clip_scopes(user, ["read", "write", "admin"])
        == ["read", "write", "admin"][: ["read", "write", "admin"].index(scope) + 1]
    )


def test_a_superuser_is_an_admin_and_a_user_without_a_group_has_no_role() -> None:
    root = get_user_model().objects.create_superuser("root", password="root-pass-123")
    assert role_of(root) == ADMIN
    assert role_of(person(None)) is None
