"""A push client_id belongs to the token that first used it; `data: null` is refused with 400 / an error frame."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.testing import HttpCommunicator
from django.contrib.auth import get_user_model

from channels_app.realtime import push
from channels_app.realtime.models import AccessToken
from tests.channels_app.realtime.conftest import TOKEN, db_call

pytestmark = pytest.mark.django_db(transaction=True)


def _token(name: str, scopes: list[str]) -> str:
    return AccessToken.issue(name, scopes)[1]


async def _post(path: str, body: Any, token: str) -> tuple[int, dict[str, Any]]:
    from gatewaysite.asgi import application

    comm = HttpCommunicator(
        application,
        "POST",
        path,
        body=json.dumps(body).encode(),
        headers=[
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
        ],
    )
    response = await comm.get_response(timeout=10)
    return response["status"], json.loads(response["body"] or b"{}")


async def test_another_read_token_cannot_claim_a_client_id_and_read_its_messages(gateway, connect):
    alice, mallory = await db_call(_token, "alice", ["read"]), await db_call(_token, "mallory", ["read"])
    await db_call(push.channel_create, "payroll")
    owner = await connect(f"/ws?token={alice}&client_id=alice-phone")
    assert (await owner.hello())["type"] == "hello_ok"
    await owner.send({"type": "channel.subscribe", "channel": "payroll"})
    await owner.recv_type("channel.subscribed")

    by_query = await connect(f"/ws?token={mallory}&client_id=alice-phone")
    refused = await by_query.recv()
    assert (refused["type"], refused["code"]) == ("hello_error", "client_id_taken")
    by_hello = await connect(token=mallory)
    assert (await by_hello.hello(client_id="alice-phone"))["code"] == "client_id_taken"
    status, body = await _post("/api/push/poll/messages", {"client_id": "alice-phone", "timeout": 0}, mallory)
    assert (status, body["error"]["code"]) == (403, "client_id_taken")
    status, body = await _post("/api/push/poll/register", {"client_id": "alice-phone"}, mallory)
    assert status == 403

    status, body = await _post("/api/push/poll/messages", {"client_id": "alice-phone", "timeout": 0}, alice)
    assert status == 200


async def test_an_admin_token_may_act_for_any_client_id(gateway, connect):
    alice = await db_call(_token, "alice", ["read"])
    owner = await connect(f"/ws?token={alice}&client_id=alice-phone")
    assert (await owner.hello())["type"] == "hello_ok"
    admin = await connect(f"/ws?token={TOKEN}&client_id=alice-phone")
    assert (await admin.hello())["type"] == "hello_ok"


async def test_publishing_null_data_is_refused_on_websocket_polling_and_rest(gateway, connect):
    await db_call(push.channel_create, "news")
    client = await connect()
    await client.hello()
    await client.send({"type": "channel.publish", "channel": "news", "data": None})
    error = await client.recv_type("error")
    assert error["code"] == "invalid_data"
    await client.send({"type": "ping"})
    assert (await client.recv_type("pong"))["type"] == "pong"

    status, body = await _post("/api/push/poll/publish", {"channel": "news", "data": None}, TOKEN)
    assert (status, body["error"]["code"]) == (400, "invalid_data")

    user = await db_call(get_user_model().objects.create_superuser, "root", password="a-long-password-1")
    from routing.api.models import ApiToken

    _, raw = await db_call(ApiToken.issue, user, "rest", ApiToken.Scope.ADMIN)
    status, body = await _post("/api/v1/push/channels/news/publish", {"data": None}, raw)
    assert status == 400, body
