"""Turns: queued in order while one runs, abort, streaming deltas, and per-session history."""

from __future__ import annotations

import asyncio

import pytest

from tests.channels_app.realtime import handlers
from tests.channels_app.realtime.conftest import db_call

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def slow_agent(settings):
    settings.GATEWAY_WS_TURN_HANDLER = "tests.channels_app.realtime.handlers.slow_turn"
    handlers.RELEASE = asyncio.Event()
    yield handlers.RELEASE
    handlers.RELEASE = None


async def test_a_message_during_a_turn_is_queued_and_answered_in_order(gateway, connect, slow_agent):
    client = await connect()
    await client.hello()
    await client.send({"type": "message", "content": "first"})
    assert (await client.recv_type("response"))["status"] == "accepted"
    await client.send({"type": "message", "content": "second"})
    status = await client.recv()
    assert status["type"] == "status"
    assert status["status"] == "queued"
    queued = await client.recv_type("response")
    assert queued["status"] == "accepted"
    assert queued["content"] == "Message queued."
    slow_agent.set()
    finals = [await client.recv_until(lambda f: f.get("status") == "final") for _ in range(2)]
    assert [f["content"] for f in finals] == ["done: first", "done: second"]


async def test_abort_cancels_the_running_turn(gateway, connect, slow_agent):
    client = await connect()
    await client.hello()
    await client.send({"type": "message", "content": "long job"})
    await client.recv_type("response")
    await client.send({"type": "abort", "reason": "changed my mind"})
    aborted = await client.recv_type("aborted")
    assert aborted["turn_aborted"] is True
    final = await client.recv_until(lambda f: f.get("status") == "final")
    assert final["outcome"]["status"] == "error"
    assert final["outcome"]["error"]["code"] == "aborted"


async def test_stop_all_drops_the_queue(gateway, connect, slow_agent):
    client = await connect()
    await client.hello()
    for text in ("a", "b", "c"):
        await client.send({"type": "message", "content": text})
    await client.send({"type": "message", "content": "/stop all"})
    aborted = await client.recv_type("aborted")
    assert aborted["scope"] == "session"
    assert aborted["pending_cancelled"] == 2


async def test_streaming_clients_get_token_deltas_and_stream_end(gateway, connect):
    client = await connect()
    ok = await client.hello(capabilities=["streaming"])
    assert "token_stream" in ok["features"]["events"]
    await client.send({"type": "message", "content": "several words here"})
    deltas = []
    while True:
        frame = await client.recv()
        if frame["type"] == "token_stream":
            deltas.append(frame["data"]["delta"])
            assert frame["data"]["session_id"] == ok["session_id"]
        if frame["type"] == "response" and frame["status"] == "final":
            break
    assert "".join(deltas) == "several words here"


async def test_history_is_never_shared_between_sessions_of_one_agent(gateway, connect):
    from agents_app.models import Agent
    from tests.fakes.fake_openai import FakeOpenAI, Reply

    with FakeOpenAI(default=Reply(text="noted")) as llm:
        await db_call(
            Agent.objects.filter(name="helper").update,
            model="gpt-4o-mini",
            base_url=llm.base_url,
            api_key="k",
            memory=True,
        )
        alice = await connect()
        bob = await connect()
        await alice.hello()
        await bob.hello()
        await alice.send({"type": "message", "content": "my secret is ALICE-4242"})
        await alice.recv_until(lambda f: f.get("status") == "final")
        await bob.send({"type": "message", "content": "what did the last user say?"})
        await bob.recv_until(lambda f: f.get("status") == "final")
        await alice.send({"type": "message", "content": "and again"})
        await alice.recv_until(lambda f: f.get("status") == "final")
        bodies = [str(r.body) for r in llm.requests]
    bob_prompt = next(b for b in bodies if "what did the last user say?" in b)
    assert "ALICE-4242" not in bob_prompt
    alice_second = next(b for b in bodies if "and again" in b)
    assert "ALICE-4242" in alice_second  # alice's own history is kept (memory on)


async def test_a_disabled_agent_answers_final_with_an_error_outcome(gateway, connect):
    from agents_app.models import Agent

    client = await connect()
    await client.hello()
    await db_call(Agent.objects.filter(name="helper").update, enabled=False)
    await client.send({"type": "message", "content": "anyone?"})
    final = await client.recv_until(lambda f: f.get("status") == "final")
    assert final["content"] == "Agent not available"
    assert final["outcome"]["status"] == "error"


async def test_a_turn_whose_history_cannot_be_stored_answers_an_error_and_stores_nothing_of_it(
    gateway, connect, settings
):
    from channels_app.realtime.models import SessionFrame
    from routing.models import Session

    settings.GATEWAY_WS_TURN_HANDLER = "tests.channels_app.realtime.handlers.unstorable_turn"
    client = await connect()
    hello = await client.hello()
    for text in ("one", "two"):  # the queue keeps running after a failed store
        await client.send({"type": "message", "content": text})
        final = await client.recv_until(lambda f: f.get("status") == "final")
        assert final["outcome"]["status"] == "error"
        assert final["outcome"]["error"]["code"] == "storage_error"
    # The failed write and the reply's frame were one transaction: both rolled back, only the error frames remain.
    frames = await db_call(list, SessionFrame.objects.values_list("frame", flat=True))
    assert not [f for f in frames if "lost:" in str(f)]
    assert len(frames) == 2
    assert not await db_call(Session.objects.filter(key=f"probe:{hello['session_id']}").exists)


async def test_a_turn_is_answered_while_the_shared_database_thread_is_busy(gateway, connect, settings):
    """The turn's hops run on the plane's own pool and frames skip Channels' per-message hop, so work that holds
    Channels' single database thread (a slow query, a long lock wait) does not stall WebSocket turns."""
    import threading

    from channels.db import database_sync_to_async

    settings.GATEWAY_WS_TURN_HANDLER = "tests.channels_app.realtime.handlers.slow_turn"
    client = await connect()
    started, release = threading.Event(), threading.Event()

    def hold_the_shared_thread() -> None:
        started.set()
        release.wait(10)

    blocker = asyncio.create_task(database_sync_to_async(hold_the_shared_thread)())
    try:
        assert await asyncio.to_thread(started.wait, 5)
        assert (await client.hello())["type"] == "hello_ok"
        await client.send({"type": "message", "content": "while busy", "request_id": "r-busy"})
        final = await client.recv_until(lambda f: f.get("status") == "final")
        assert final["content"] == "done: while busy"
        assert not blocker.done()  # answered while the shared thread was still held
    finally:
        release.set()
        await blocker
