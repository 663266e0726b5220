"""Resume: session_id + since replays missed frames, including ones produced while the client was away."""

from __future__ import annotations

import asyncio

import pytest

from tests.channels_app.realtime import handlers

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_reconnecting_client_resumes_and_gets_the_reply_produced_while_it_was_away(gateway, connect, settings):
    settings.GATEWAY_WS_TURN_HANDLER = "tests.channels_app.realtime.handlers.slow_turn"
    handlers.RELEASE = asyncio.Event()
    try:
        first = await connect()
        ok = await first.hello()
        await first.send({"type": "message", "content": "work while I am gone"})
        accepted = await first.recv_type("response")
        assert accepted["status"] == "accepted"
        await first.close()
        handlers.RELEASE.set()
        await asyncio.sleep(0.2)  # the turn finishes with nobody attached
        second = await connect()
        again = await second.hello(session_id=ok["session_id"], since=0)
        assert again["resumed"] is True
        assert again["session_id"] == ok["session_id"]
        assert again["cursor"] == 1
        replay = await second.recv_type("replay")
        # The seed's envelope (what PraisonAI's GatewayClient reads): {type, data: <the frame>, event_id, sequence}.
        event = replay["event"]
        assert (event["type"], event["sequence"]) == ("response", 1) and event["event_id"]
        assert event["data"]["status"] == "final"
        assert event["data"]["content"] == "done: work while I am gone"
        assert event["data"]["cursor"] == 1
        assert replay["seq"] == 1
    finally:
        handlers.RELEASE = None


async def test_since_skips_frames_the_client_already_has(gateway, connect):
    first = await connect()
    ok = await first.hello()
    for text in ("one", "two"):
        await first.send({"type": "message", "content": text})
        await first.recv_until(lambda f: f.get("status") == "final")
    await first.close()
    second = await connect()
    await second.hello(session_id=ok["session_id"], since=1)
    replay = await second.recv_type("replay")
    assert replay["event"]["data"]["content"] == "two" and replay["event"]["sequence"] == 2
    assert await second.nothing()


async def test_a_resume_without_since_replays_nothing(gateway, connect):
    first = await connect()
    ok = await first.hello()
    await first.send({"type": "message", "content": "one"})
    await first.recv_until(lambda f: f.get("status") == "final")
    await first.close()
    second = await connect()
    again = await second.hello(session_id=ok["session_id"])
    assert again["resumed"] is True and again["cursor"] == 1 and again["sequence"] == 1
    assert await second.nothing()


async def test_accepted_and_duplicate_carry_the_cursor_to_resume_from(gateway, connect):
    first = await connect()
    await first.hello()
    await first.send({"type": "message", "content": "one", "request_id": "r1"})
    accepted = await first.recv_type("response")
    assert (accepted["status"], accepted["cursor"]) == ("accepted", 0)
    final = await first.recv_until(lambda f: f.get("status") == "final")
    await first.send({"type": "message", "content": "one", "request_id": "r1"})
    duplicate = await first.recv_type("response")
    assert (duplicate["status"], duplicate["cursor"]) == ("duplicate", final["cursor"])
    await first.send({"type": "message", "content": "two", "request_id": "r2"})
    assert (await first.recv_type("response"))["cursor"] == final["cursor"]
    # Let the second turn finish: its history write must not race the teardown's flush of the test database.
    await first.recv_until(lambda f: f.get("status") == "final")


async def test_resume_after_reconnect_timeout_keeps_history_but_requires_resync(gateway, connect, settings):
    settings.GATEWAY_WS_RECONNECT_TIMEOUT = 0.05
    first = await connect()
    ok = await first.hello()
    await first.send({"type": "message", "content": "one"})
    await first.recv_until(lambda f: f.get("status") == "final")
    await first.close()
    await asyncio.sleep(0.2)
    second = await connect()
    again = await second.hello(session_id=ok["session_id"], since=0)
    assert again["resumed"] is True
    assert again["resync_required"] is True
    assert await second.nothing()


async def test_an_expired_session_starts_fresh(gateway, connect, settings):
    settings.GATEWAY_WS_SESSION_TIMEOUT = 0.05
    first = await connect()
    ok = await first.hello()
    await first.close()
    await asyncio.sleep(0.2)
    second = await connect()
    again = await second.hello(session_id=ok["session_id"])
    assert again["resumed"] is False
    assert again["session_id"] != ok["session_id"]


async def test_a_session_cannot_be_resumed_under_another_agent(gateway, connect):
    from agents_app.models import Agent

    from .conftest import db_call

    await db_call(Agent.objects.create, name="other", model="echo")
    first = await connect()
    ok = await first.hello()
    second = await connect()
    again = await second.hello(agent_id="other", session_id=ok["session_id"])
    assert again["resumed"] is False


async def test_a_session_cannot_be_resumed_with_another_token(gateway, connect):
    from channels_app.realtime.models import AccessToken

    from .conftest import db_call

    _, other_token = await db_call(AccessToken.issue, "someone-else", ["write"])
    first = await connect()
    ok = await first.hello()
    second = await connect(token=other_token)
    again = await second.hello(session_id=ok["session_id"])
    assert again["resumed"] is False
    assert again["session_id"] != ok["session_id"]
