"""One token model for people on REST and WebSocket: tied to its user, re-checked, expiring, revoked with the user."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from channels.testing import HttpCommunicator
from django.contrib.auth import get_user_model
from django.utils import timezone

from channels_app.realtime.models import AccessToken
from tests.channels_app.realtime.conftest import db_call

pytestmark = pytest.mark.django_db(transaction=True)


def _staff(username: str = "ops-user") -> Any:
    return get_user_model().objects.create_superuser(username, password="a-long-password-123")


def _ops_token(user: Any) -> str:
    from routing.ui.ws_token import ops_token_for

    return ops_token_for(user)


async def _rest_status(token: str, path: str = "/api/v1/agents/") -> int:
    from gatewaysite.asgi import application

    comm = HttpCommunicator(
        application, "GET", path, headers=[(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())]
    )
    return (await comm.get_response(timeout=10))["status"]


async def _refused(connect: Any, token: str) -> dict[str, Any]:
    client = await connect(token=token)
    frame = await client.recv()
    assert frame["type"] == "hello_error", frame
    assert (await client.comm.receive_output(timeout=3))["code"] == 4003
    return frame


def _deactivate(user: Any) -> None:
    user.is_active = False
    user.is_staff = False
    user.save()


async def test_the_ops_page_token_stops_connecting_once_its_user_is_deactivated(gateway, connect):
    user = await db_call(_staff)
    token = await db_call(_ops_token, user)
    row = await db_call(AccessToken.objects.get, token_hash=AccessToken.hash(token))
    assert row.user_id == user.pk and row.expires_at is not None
    client = await connect(token=token)
    assert (await client.hello())["type"] == "hello_ok"
    assert await _rest_status(token) == 200
    await client.close()

    await db_call(_deactivate, user)

    assert (await _refused(connect, token))["code"] == "auth_required"
    assert await _rest_status(token) == 401
    row = await db_call(AccessToken.objects.get, pk=row.pk)
    assert row.enabled is False and "deactivated" in row.revoked_reason


async def test_an_open_socket_is_closed_when_its_token_is_revoked(gateway, connect, settings):
    settings.GATEWAY_WS_ACK_TIMEOUT = 0.2  # the connection ticks every 0.1 s
    settings.GATEWAY_WS_TOKEN_RECHECK = 0.1
    user = await db_call(_staff)
    token = await db_call(_ops_token, user)
    client = await connect(token=token)
    assert (await client.hello())["type"] == "hello_ok"
    await client.send({"type": "agent.register", "agent_id": "helper"})
    assert (await client.recv_type("agent.registered"))["ok"] is True

    await db_call(_deactivate, user)

    evicted = await client.recv_type("error", wait=5)
    assert evicted["code"] == "evicted" and evicted["close_code"] == 4003
    assert (await client.comm.receive_output(timeout=3))["code"] == 4003


async def test_changing_a_password_revokes_the_users_tokens_on_rest_and_websocket(gateway, connect):
    from routing.api.models import ApiToken

    user = await db_call(_staff)
    _, raw = await db_call(ApiToken.issue, user, "script", ApiToken.Scope.WRITE)
    client = await connect(token=raw)
    assert (await client.hello())["type"] == "hello_ok"
    assert await _rest_status(raw) == 200

    def change_password() -> None:
        user.set_password("another-long-password-456")
        user.save()

    await db_call(change_password)
    assert await _rest_status(raw) == 401
    await _refused(connect, raw)


async def test_losing_staff_status_revokes_the_users_tokens(gateway, connect):
    user = await db_call(_staff)
    token = await db_call(_ops_token, user)

    def demote() -> None:
        user.is_superuser = False
        user.is_staff = False
        user.save()

    await db_call(demote)
    await _refused(connect, token)


async def test_an_expired_token_is_refused_on_rest_and_websocket(gateway, connect):
    from routing.api.models import ApiToken

    user = await db_call(_staff)
    _, raw = await db_call(
        ApiToken.issue, user, "short", ApiToken.Scope.ADMIN, expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert await _rest_status(raw) == 401
    await _refused(connect, raw)


async def test_a_persons_token_works_on_rest_and_websocket_with_its_scope(gateway, connect):
    from routing.api.models import ApiToken

    user = await db_call(_staff)
    _, raw = await db_call(ApiToken.issue, user, "reader", ApiToken.Scope.READ)
    assert await _rest_status(raw) == 200
    client = await connect(token=raw)
    hello = await client.hello()
    assert hello["scopes"] == ["read"]
    await client.send({"type": "broadcast", "data": {"x": 1}})
    assert (await client.recv_type("error"))["code"] == "insufficient_scope"


async def test_the_gateway_auth_token_from_yaml_still_opens_everything(gateway, connect):
    client = await connect()
    assert (await client.hello())["scopes"] == ["admin", "read", "write"]


def test_the_data_migration_carries_api_tokens_into_the_one_model(transactional_db: None) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from channels_app.realtime.auth import authenticate_token
    from channels_app.realtime.config import load_config

    before = [("realtime", "0002_token_tied_to_user_expiry_revocation"), ("api", "0001_initial")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    user = old_apps.get_model("auth", "User").objects.create(username="legacy", is_staff=True, is_superuser=True)
    old_apps.get_model("api", "ApiToken").objects.create(
        user_id=user.pk, name="ci", scope="admin", key_hash=AccessToken.hash("gw_legacy-raw"), key_prefix="gw_leg"
    )
    old_apps.get_model("realtime", "AccessToken").objects.create(
        name=f"ops-{user.pk}", token_hash=AccessToken.hash("gw_ops-raw"), prefix="gw_ops", scopes=["admin"]
    )
    executor = MigrationExecutor(connection)
    executor.migrate(latest)

    copied = AccessToken.objects.get(token_hash=AccessToken.hash("gw_legacy-raw"))
    assert (copied.user_id, copied.name, copied.scopes) == (user.pk, "ci", ["admin"])
    assert authenticate_token("gw_legacy-raw", load_config()).scopes == frozenset({"admin", "write", "read"})
    ops = AccessToken.objects.get(token_hash=AccessToken.hash("gw_ops-raw"))
    assert (ops.user_id, ops.name) == (user.pk, "ops")


def test_importing_yaml_service_tokens_never_overwrites_a_persons_token_of_the_same_name(transactional_db, monkeypatch):
    import io
    from pathlib import Path

    from django.core.management import call_command

    user = _staff()
    mine, raw = AccessToken.issue("gateway-yaml-1", ["read"], user=user)
    monkeypatch.setenv("VIEWER_TOKEN", "viewer-secret-1")
    fixture = Path(__file__).resolve().parents[2] / "fixtures" / "gateway_yaml" / "praisonai" / "every_key.yaml"
    call_command("import_gateway_yaml", str(fixture), stdout=io.StringIO(), stderr=io.StringIO())

    mine.refresh_from_db()
    assert mine.token_hash == AccessToken.hash(raw) and mine.user_id == user.pk
    service = AccessToken.objects.get(name="gateway-yaml-1", user__isnull=True)
    assert service.token_hash == AccessToken.hash("viewer-secret-1")


async def test_a_session_opened_with_one_persons_ops_token_cannot_be_resumed_with_anothers(gateway, connect):
    alice, bob = await db_call(_staff, "alice"), await db_call(_staff, "bob")
    alice_client = await connect(token=await db_call(_ops_token, alice))
    opened = await alice_client.hello()
    bob_client = await connect(token=await db_call(_ops_token, bob))
    other = await bob_client.hello(session_id=opened["session_id"], since=0)
    assert other["type"] == "hello_ok" and other["session_id"] != opened["session_id"]


async def test_a_lower_role_narrows_what_an_open_socket_may_do(gateway, connect, settings):
    from console_app.roles import ADMIN, VIEWER, assign_role

    settings.GATEWAY_WS_ACK_TIMEOUT = 0.2
    settings.GATEWAY_WS_TOKEN_RECHECK = 0.1

    def admin_person() -> Any:
        user = get_user_model().objects.create_user("carol", password="a-long-password-123")
        assign_role(user, ADMIN)
        return user

    user = await db_call(admin_person)
    client = await connect(token=await db_call(_ops_token, user))
    assert (await client.hello())["scopes"] == ["admin", "read", "write"]
    await db_call(lambda: assign_role(get_user_model().objects.get(pk=user.pk), VIEWER))
    await asyncio.sleep(0.5)
    await client.send({"type": "broadcast", "data": {"x": 1}})
    refused = await client.recv_type("error")
    assert (refused["code"], refused["required_scope"]) == ("insufficient_scope", "admin")
