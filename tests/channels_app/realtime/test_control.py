"""Admin frames: broadcast, the gateway.events stream, remote agents; and the limits (origin, liveness, capacity)."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import get_channel_layer

from tests.channels_app.realtime.conftest import TOKEN, db_call

pytestmark = pytest.mark.django_db(transaction=True)


async def _scoped(connect, scopes: list[str]):
    from channels_app.realtime.models import AccessToken

    _, value = await db_call(AccessToken.issue, "-".join(scopes) + "-token", scopes)
    return await connect(token=value)


async def test_an_admin_broadcast_reaches_every_client(gateway, connect):
    admin = await connect()
    others = [await _scoped(connect, ["read"]), await connect()]
    await admin.send({"type": "broadcast", "data": {"notice": "maintenance at noon"}})
    assert (await admin.recv_type("broadcast.sent"))["ok"] is True
    for client in [admin, *others]:
        event = await client.recv_type("broadcast")
        assert event["data"] == {"notice": "maintenance at noon"}
        assert event["event_id"] and event["timestamp"] and event["source"]


async def test_a_write_token_cannot_broadcast(gateway, connect):
    client = await _scoped(connect, ["write"])
    await client.send({"type": "broadcast", "data": {}})
    frame = await client.recv()
    assert frame["code"] == "insufficient_scope"
    assert frame["required_scope"] == "admin"


async def test_the_broadcast_service_function_reaches_clients(gateway, connect):
    from channels_app.realtime.broadcast import abroadcast

    client = await connect()
    await abroadcast({"content": "from the REST API"})
    assert (await client.recv_type("broadcast"))["data"] == {"content": "from the REST API"}


async def test_admin_observers_receive_pipeline_events(gateway, connect):
    observer = await connect()
    await observer.send({"type": "events.subscribe"})
    assert (await observer.recv_type("events.subscribed"))["ok"] is True
    await get_channel_layer().group_send(
        "gateway.events", {"type": "gateway.event", "payload": {"type": "message.received", "data": {"chat": "42"}}}
    )
    event = await observer.recv_type("message.received")
    assert event["data"] == {"chat": "42"}
    assert event["topic"] == "gateway.events"


async def test_observers_see_connect_and_disconnect_events(gateway, connect):
    observer = await connect()
    await observer.send({"type": "events.subscribe"})
    await observer.recv_type("events.subscribed")
    client = await connect()
    await client.hello(client_id="visitor")
    assert (await observer.recv_type("connect"))["data"]["client_id"] == "visitor"
    await client.close()
    assert (await observer.recv_type("disconnect"))["data"]["client_id"] == "visitor"


async def test_a_read_token_cannot_subscribe_to_events(gateway, connect):
    client = await _scoped(connect, ["read"])
    await client.send({"type": "events.subscribe"})
    assert (await client.recv())["code"] == "insufficient_scope"


async def test_a_registered_remote_agent_answers_turns_for_its_name(gateway, connect):
    remote = await connect()
    await remote.hello(role="agent")
    await remote.send({"type": "agent.register", "agent_id": "helper"})
    assert (await remote.recv_type("agent.registered"))["ok"] is True
    user = await connect()
    await user.hello()
    await user.send({"type": "message", "content": "who answers?"})
    request = await remote.recv_type("agent_request")
    assert request["content"] == "who answers?"
    assert request["agent_id"] == "helper"
    await remote.send({"type": "agent_response", "request_id": request["request_id"], "content": "the remote agent"})
    final = await user.recv_until(lambda f: f.get("status") == "final")
    assert final["content"] == "the remote agent"
    await remote.close()
    await user.send({"type": "message", "content": "and now?"})
    final = await user.recv_until(lambda f: f.get("status") == "final")
    assert final["content"] == "and now?"  # back to the local echo agent once the remote one left


async def test_an_origin_outside_the_allow_list_is_refused_on_a_public_bind(gateway):
    from channels.testing import WebsocketCommunicator

    from gatewaysite.asgi import application

    gateway.allowed_origins = ["https://app.example.com"]
    await db_call(gateway.save)
    for origin, expected in ((b"https://evil.example.net", "origin_not_allowed"), (b"https://app.example.com", None)):
        comm = WebsocketCommunicator(
            application, f"/ws?token={TOKEN}", headers=[(b"origin", origin)], spec_version="2.3"
        )
        comm.scope["server"] = ("10.0.0.5", 8765)
        await comm.connect()
        if expected:
            frame = await comm.receive_json_from()
            assert frame["code"] == expected
            assert (await comm.receive_output())["code"] == 4003
        else:
            await comm.send_json_to({"type": "ping"})
            assert await comm.receive_json_from() == {"type": "pong"}
            await comm.disconnect()


async def test_a_silent_peer_is_closed_4002(gateway, connect, settings):
    settings.GATEWAY_WS_HEARTBEAT_INTERVAL = 0.1
    client = await connect()
    frames = []
    while True:
        out = await client.comm.receive_output(timeout=3)
        if out["type"] == "websocket.close":
            assert out["code"] == 4002
            break
        frames.append(out["text"])
    assert any('"ping"' in f for f in frames)


async def test_heartbeat_capability_gets_seed_heartbeat_events(gateway, connect, settings):
    settings.GATEWAY_WS_HEARTBEAT_INTERVAL = 0.1
    client = await connect()
    await client.hello(capabilities=["heartbeat"])
    event = await client.recv_type("heartbeat")
    assert event["data"]["interval_ms"] == 100


async def test_max_connections_is_enforced_from_the_shared_lease_table(gateway, connect):
    from channels_app.realtime import connections

    gateway.max_connections = 2
    await db_call(gateway.save)
    first = await connect()
    await connect()
    third = await connect()
    frame = await third.recv()
    assert frame["code"] == "rate_limited"
    assert frame["next_step"] == "wait_then_retry"
    assert (await third.comm.receive_output())["code"] == 1013
    assert await db_call(connections.live_count) == 2
    await first.close()
    await asyncio.sleep(0.05)
    fourth = await connect()
    await fourth.send({"type": "ping"})
    assert (await fourth.recv_type("pong"))["type"] == "pong"


async def test_leases_of_a_dead_process_stop_counting(gateway, settings):
    from django.utils import timezone

    from channels_app.realtime import connections
    from channels_app.realtime.models import ConnectionLease, ServerProcess

    def setup_dead() -> None:
        dead = ServerProcess.objects.create(server_id="dead", heartbeat_at=timezone.now() - timezone.timedelta(hours=1))
        ConnectionLease.objects.create(connection_id="ghost", server=dead)

    await db_call(setup_dead)
    assert await db_call(connections.live_count) == 0
    assert await db_call(connections.admit, "c1", "", 1) is True


async def test_message_abort_is_an_alias_of_abort(gateway, connect):
    client = await connect()
    await client.hello()
    await client.send({"type": "message_abort", "scope": "session"})
    frame = await client.recv()
    assert frame["type"] == "no_active_turn"
    assert frame["scope"] == "session"


async def test_events_unsubscribe_stops_the_event_stream(gateway, connect):
    observer = await connect()
    await observer.send({"type": "events.subscribe"})
    await observer.recv_type("events.subscribed")
    await observer.send({"type": "events.unsubscribe"})
    assert (await observer.recv_type("events.unsubscribed"))["ok"] is True
    await get_channel_layer().group_send(
        "gateway.events", {"type": "gateway.event", "payload": {"type": "message.received", "data": {}}}
    )
    assert await observer.nothing(0.3)


async def test_agent_unregister_hands_turns_back_to_the_local_runtime(gateway, connect):
    remote = await connect()
    await remote.hello(role="agent")
    await remote.send({"type": "agent.register", "agent_id": "helper"})
    await remote.recv_type("agent.registered")
    await remote.send({"type": "agent.unregister", "agent_id": "helper"})
    assert (await remote.recv_type("agent.unregistered"))["ok"] is True
    user = await connect()
    await user.hello()
    await user.send({"type": "message", "content": "local please"})
    assert (await user.recv_until(lambda f: f.get("status") == "final"))["content"] == "local please"


async def test_an_agent_response_without_a_request_gets_an_error(gateway, connect):
    client = await connect()
    await client.send({"type": "agent_response", "request_id": "never-sent", "content": "?"})
    assert (await client.recv())["code"] == "unknown_request"


async def test_registering_an_unknown_agent_is_refused(gateway, connect):
    client = await connect()
    await client.send({"type": "agent.register", "agent_id": "ghost"})
    assert (await client.recv())["code"] == "agent_not_found"


async def test_the_pipeline_drop_in_lets_a_remote_agent_answer_a_channel_message(gateway, connect):
    from agents_app.models import Agent
    from agents_app.runtime import ChatTurn
    from routing.pipeline.turns import run_agent_or_remote

    agent = await db_call(Agent.objects.get, name="helper")
    assert (await run_agent_or_remote(agent, [], "local first")).text == "local first"
    remote = await connect()
    await remote.send({"type": "agent.register", "agent_id": "helper"})
    await remote.recv_type("agent.registered")
    pending = asyncio.create_task(
        run_agent_or_remote(agent, [ChatTurn("user", "earlier")], "from telegram", {"channel": "telegram"})
    )
    request = await remote.recv_type("agent_request")
    assert request["history"] == [{"role": "user", "content": "earlier"}]
    assert request["context"] == {"channel": "telegram"}
    await remote.send({"type": "agent_response", "request_id": request["request_id"], "content": "remote says hi"})
    reply = await pending
    assert (reply.text, reply.provider) == ("remote says hi", "remote")
