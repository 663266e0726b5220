"""HTTP long-polling: register, subscribe, wait for messages, ack, heartbeat, presence — sharing state with /ws."""

from __future__ import annotations

import asyncio

import pytest
from django.test import AsyncClient

from tests.channels_app.realtime.conftest import TOKEN, db_call

pytestmark = pytest.mark.django_db(transaction=True)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def _post(client: AsyncClient, name: str, body: dict, headers: dict | None = None):
    return await client.post(
        f"/api/push/poll/{name}", body, content_type="application/json", headers=AUTH if headers is None else headers
    )


async def test_a_polling_client_registers_subscribes_receives_and_acks(gateway):
    from channels_app.realtime import push

    http = AsyncClient()
    await db_call(push.channel_create, "alerts")
    reg = (await _post(http, "register", {})).json()
    client_id = reg["client_id"]
    assert (await _post(http, "subscribe", {"client_id": client_id, "channel": "alerts"})).json()["ok"] is True
    empty = (await _post(http, "messages", {"client_id": client_id, "timeout": 0.1})).json()
    assert empty["messages"] == []
    waiting = asyncio.create_task(_post(http, "messages", {"client_id": client_id, "timeout": 5}))
    await asyncio.sleep(0.15)
    await db_call(push.publish, "alerts", {"level": "high"})
    got = (await waiting).json()["messages"]
    assert [m["data"] for m in got] == [{"level": "high"}]
    again = (await _post(http, "messages", {"client_id": client_id, "timeout": 0})).json()["messages"]
    assert [m["event_id"] for m in again] == [got[0]["event_id"]]  # still pending until acked
    acked = (await _post(http, "ack", {"client_id": client_id, "event_ids": [got[0]["event_id"], "nope"]})).json()
    assert acked["acked"] == [got[0]["event_id"]]
    assert acked["unknown"] == ["nope"]
    assert (await _post(http, "messages", {"client_id": client_id, "timeout": 0})).json()["messages"] == []


async def test_polling_heartbeat_and_presence(gateway):
    from channels_app.realtime import push

    http = AsyncClient()
    await db_call(push.channel_create, "alerts")
    await _post(http, "subscribe", {"client_id": "poller", "channel": "alerts"})
    assert (await _post(http, "heartbeat", {"client_id": "poller", "status": "away"})).json()["status"] == "away"
    listing = (await http.get("/api/push/poll/presence", {"channel": "alerts"}, headers=AUTH)).json()
    assert [(c["client_id"], c["status"]) for c in listing["clients"]] == [("poller", "away")]


async def test_a_websocket_subscriber_receives_what_a_polling_client_publishes(gateway, connect):
    from channels_app.realtime import push

    await db_call(push.channel_create, "mixed")
    ws = await connect()
    await ws.hello(client_id="ws-client")
    await ws.send({"type": "channel.subscribe", "channel": "mixed"})
    await ws.recv_type("channel.subscribed")
    http = AsyncClient()
    published = (await _post(http, "publish", {"channel": "mixed", "data": {"x": 1}, "client_id": "poller"})).json()
    assert published["delivered"] == 1
    assert (await ws.recv_type("channel_message"))["data"] == {"x": 1}


@pytest.mark.parametrize(
    ("name", "body", "headers", "status", "code"),
    [
        ("register", {}, {}, 401, "auth_required"),
        ("subscribe", {"channel": "alerts"}, None, 400, "missing_client_id"),
        ("subscribe", {"client_id": "c", "channel": "nope"}, None, 400, "channel_not_found"),
        ("ack", {"client_id": "c"}, None, 400, "invalid_ack"),
        ("publish", {"channel": "alerts"}, None, 400, "missing_data"),
    ],
)
async def test_bad_polling_requests_get_clear_errors(gateway, name, body, headers, status, code):
    response = await _post(AsyncClient(), name, body, headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


async def test_bad_json_is_a_400(gateway):
    response = await AsyncClient().post(
        "/api/push/poll/register", "{oops", content_type="application/json", headers=AUTH
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


async def test_a_read_token_cannot_publish_over_polling(gateway):
    from channels_app.realtime.models import AccessToken

    _, value = await db_call(AccessToken.issue, "reader", ["read"])
    response = await _post(AsyncClient(), "publish", {"channel": "a", "data": 1}, {"Authorization": f"Bearer {value}"})
    assert response.status_code == 403


async def test_a_deeply_nested_poll_body_is_a_400_not_a_server_error(gateway):
    from channels.testing import HttpCommunicator

    from gatewaysite.asgi import application

    body = ("[" * 100000 + "]" * 100000).encode()
    comm = HttpCommunicator(
        application,
        "POST",
        "/api/push/poll/publish",
        body=body,
        headers=[
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {TOKEN}".encode()),
            (b"content-type", b"application/json"),
        ],
    )
    response = await comm.get_response(timeout=10)
    assert response["status"] == 400
    assert b"invalid_json" in response["body"]


async def test_register_hands_out_a_poll_token_that_every_polling_request_accepts(gateway):
    """PraisonAI's PushClient sends only `poll_token` after register (never client_id)."""
    from channels_app.realtime import push

    http = AsyncClient()
    await db_call(push.channel_create, "alerts")
    reg = (await _post(http, "register", {})).json()
    token = reg["poll_token"]
    assert (await _post(http, "subscribe", {"poll_token": token, "channel": "alerts"})).json()["ok"] is True
    await db_call(push.publish, "alerts", {"n": 1})
    got = (await _post(http, "messages", {"poll_token": token, "timeout": 1})).json()
    assert got["client_id"] == reg["client_id"] and [m["data"] for m in got["messages"]] == [{"n": 1}]
    acked = (await _post(http, "ack", {"poll_token": token, "event_id": got["messages"][0]["event_id"]})).json()
    assert acked["acked"] == [got["messages"][0]["event_id"]]
    assert (await _post(http, "heartbeat", {"poll_token": token, "status": "online"})).json()["ok"] is True


async def test_a_forged_or_mismatched_poll_token_is_refused(gateway):
    http = AsyncClient()
    forged = await _post(http, "messages", {"poll_token": "poll-someone-else:forged", "timeout": 0})
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "invalid_poll_token"
    token = (await _post(http, "register", {})).json()["poll_token"]
    other = await _post(http, "messages", {"poll_token": token, "client_id": "another-client", "timeout": 0})
    assert other.status_code == 400 and other.json()["error"]["code"] == "poll_token_mismatch"
