"""The reference protocol over /ws: auth, hello, message → response accepted/final, ping, abort, leave."""

from __future__ import annotations

import pytest

from tests.channels_app.realtime.conftest import TOKEN, db_call

pytestmark = pytest.mark.django_db(transaction=True)


async def test_it_refuses_a_missing_token_with_hello_error_and_4003(gateway, connect):
    client = await connect(token=None)
    frame = await client.recv()
    assert frame["type"] == "hello_error"
    assert frame["code"] == "auth_required"
    assert frame["next_step"] == "reauthenticate"
    closed = await client.comm.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": 4003}


async def test_it_refuses_a_wrong_token_the_same_way(gateway, connect):
    client = await connect(token="wrong")
    assert (await client.recv())["code"] == "auth_required"
    assert (await client.comm.receive_output(timeout=3))["code"] == 4003


async def test_it_accepts_a_bearer_header(gateway, connect):
    client = await connect("/ws", headers=[(b"authorization", f"Bearer {TOKEN}".encode())])
    assert (await client.hello())["type"] == "hello_ok"


async def test_it_resolves_a_token_reference_from_the_environment(gateway, connect, monkeypatch):
    monkeypatch.setenv("WS_TEST_TOKEN", "from-env")
    gateway.auth_token = "${WS_TEST_TOKEN}"
    await db_call(gateway.save)
    client = await connect(token="from-env")
    assert (await client.hello())["type"] == "hello_ok"


async def test_a_reference_client_gets_hello_ok_then_accepted_then_final(gateway, connect):
    client = await connect("/ws/?token=" + TOKEN)
    ok = await client.hello(capabilities=[])
    assert ok["type"] == "hello_ok"
    assert ok["protocol"] == 1
    assert ok["resumed"] is False
    assert {"message", "leave", "abort"} <= set(ok["features"]["methods"])
    assert ok["policy"]["heartbeat_ms"] == 5000
    await client.send({"type": "message", "content": "hello there", "request_id": "r1"})
    accepted = await client.recv_type("response")
    assert accepted["status"] == "accepted"
    assert accepted["session_id"] == ok["session_id"]
    final = await client.recv_type("response")
    assert final["status"] == "final"
    assert final["content"] == "hello there"
    assert final["outcome"] == {"status": "ok"}
    assert final["cursor"] == 1


async def test_ping_gets_pong(gateway, connect):
    client = await connect()
    await client.send({"type": "ping"})
    assert await client.recv() == {"type": "pong"}


async def test_a_pong_is_swallowed(gateway, connect):
    client = await connect()
    await client.send({"type": "pong"})
    assert await client.nothing()


async def test_an_unknown_agent_gets_agent_not_found_and_the_socket_stays_up(gateway, connect):
    client = await connect()
    frame = await client.hello(agent_id="nobody")
    assert frame["type"] == "hello_error"
    assert frame["code"] == "agent_not_found"
    assert frame["next_step"] == "do_not_retry"
    assert (await client.hello())["type"] == "hello_ok"


async def test_an_unsupported_protocol_range_is_refused(gateway, connect):
    client = await connect()
    await client.send({"type": "hello", "agent_id": "helper", "protocol": {"min": 2, "max": 3}})
    frame = await client.recv()
    assert frame["code"] == "protocol_unsupported"
    assert frame["next_step"] == "downgrade_client"


async def test_a_repeated_request_id_is_answered_duplicate(gateway, connect):
    client = await connect()
    await client.hello()
    await client.send({"type": "message", "content": "one", "request_id": "same"})
    await client.recv_until(lambda f: f.get("status") == "final")
    await client.send({"type": "message", "content": "one", "request_id": "same"})
    frame = await client.recv_type("response")
    assert frame["status"] == "duplicate"


async def test_a_message_before_hello_gets_an_error(gateway, connect):
    client = await connect()
    await client.send({"type": "message", "content": "hi"})
    frame = await client.recv()
    assert frame["type"] == "error"
    assert frame["code"] == "no_session"


async def test_a_read_only_token_cannot_send_messages(gateway, connect):
    from channels_app.realtime.models import AccessToken

    _, value = await db_call(AccessToken.issue, "viewer", ["read"])
    client = await connect(token=value)
    await client.hello()
    await client.send({"type": "message", "content": "hi"})
    frame = await client.recv()
    assert frame["code"] == "insufficient_scope"
    assert frame["required_scope"] == "write"


async def test_abort_without_a_turn_says_no_active_turn(gateway, connect):
    client = await connect()
    await client.hello()
    await client.send({"type": "abort"})
    frame = await client.recv()
    assert frame["type"] == "no_active_turn"
    assert frame["turn_aborted"] is False


async def test_leave_closes_the_session_and_it_cannot_be_resumed(gateway, connect):
    client = await connect()
    ok = await client.hello()
    await client.send({"type": "leave"})
    assert await client.recv() == {"type": "left", "session_id": ok["session_id"]}
    again = await client.hello(session_id=ok["session_id"])
    assert again["resumed"] is False
    assert again["session_id"] != ok["session_id"]


async def test_the_legacy_join_frame_is_answered_joined(gateway, connect):
    client = await connect()
    await client.send({"type": "join", "agent_id": "helper", "min_version": 1, "max_version": 1})
    frame = await client.recv()
    assert frame["type"] == "joined"
    assert frame["presence"] == []
    assert frame["session_id"]


async def test_observers_see_message_events_in_and_out(gateway, connect):
    observer = await connect()
    await observer.send({"type": "events.subscribe"})
    await observer.recv_type("events.subscribed")
    client = await connect()
    await client.hello()
    await client.send({"type": "message", "content": "watched"})
    seen = [await observer.recv_type("message") for _ in range(2)]
    assert [(e["data"]["direction"], e["data"]["content"]) for e in seen] == [("in", "watched"), ("out", "watched")]


async def test_with_a_cached_config_the_gateway_token_is_checked_without_the_database(gateway, connect, settings):
    settings.GATEWAY_WS_CONFIG_TTL = 60
    first = await connect()
    assert (await first.hello())["type"] == "hello_ok"
    wrong = await connect(token="not-it")
    assert (await wrong.recv())["code"] == "auth_required"
