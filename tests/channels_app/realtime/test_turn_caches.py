"""What a WebSocket turn remembers between turns (to spend fewer ORM queries) never outlives the rows it stands for:
a remote agent registered or gone, a session reset or closed by any process, an agent disabled behind the cache."""

from __future__ import annotations

import pytest
from django.db import transaction

from channels_app.realtime import remote_agents
from channels_app.realtime.turns import TurnInput, TurnReply
from tests.channels_app.realtime.conftest import db_call

pytestmark = pytest.mark.django_db(transaction=True)


async def _noop(kind: str, data: dict) -> None:
    return None


async def _say(session_id: str, text: str) -> str:
    from routing.pipeline import websocket

    reply = await websocket.run_turn(TurnInput(session_id=session_id, agent_id="helper", content=text), _noop)
    assert isinstance(reply, TurnReply)
    if reply.persist is not None:

        def store() -> None:
            with transaction.atomic():
                reply.persist()

        await db_call(store)
    return reply.text


def test_no_remote_agent_is_remembered_and_a_registration_is_seen_at_once(settings) -> None:
    settings.GATEWAY_WS_AGENT_CACHE_TTL = 60
    assert remote_agents.handler_for("helper") is None
    assert remote_agents.handler_for("helper") is None  # from memory
    remote_agents.register("helper", "conn-cache-test", "specific.cache!one")
    assert remote_agents.handler_for("helper") == "specific.cache!one"
    remote_agents.unregister("conn-cache-test")
    assert remote_agents.handler_for("helper") is None


def test_a_remembered_handler_is_looked_up_again(settings) -> None:
    from channels_app.realtime.models import RemoteAgent

    settings.GATEWAY_WS_AGENT_CACHE_TTL = 60
    remote_agents.register("helper", "conn-cache-test", "specific.cache!one")
    assert remote_agents.handler_for("helper") == "specific.cache!one"
    RemoteAgent.objects.all().delete()  # gone on another process: no signal, no clear
    assert remote_agents.handler_for("helper") is None


def test_a_registration_on_another_process_is_seen_within_the_ttl(settings) -> None:
    from channels_app.realtime.connections import SERVER_ID, beat
    from channels_app.realtime.models import RemoteAgent

    settings.GATEWAY_WS_AGENT_CACHE_TTL = 60
    assert remote_agents.handler_for("helper") is None  # "no registration anywhere" is now remembered
    beat()
    RemoteAgent.objects.create(  # another process registering: nothing clears this process's memory
        agent_name="helper", connection_id="elsewhere", channel_name="specific.other!one", server_id=SERVER_ID
    )
    assert remote_agents.handler_for("helper") is None
    remote_agents.clear()  # what the TTL's end does
    assert remote_agents.handler_for("helper") == "specific.other!one"
    assert remote_agents.handler_for("someone-else") is None


async def test_a_session_reset_by_another_process_is_not_reused(gateway, settings) -> None:
    from routing.models import Session, SessionMessage

    settings.GATEWAY_WS_AGENT_CACHE_TTL = 60
    assert await _say("cache-s", "one") == "one"
    assert await _say("cache-s", "two") == "two"  # the remembered Session
    # Another process's /reset archives the row under another key; this process's memory must not write into it.
    await db_call(lambda: Session.objects.filter(key="ws:cache-s").update(key="ws:cache-s~closed-x"))
    assert await _say("cache-s", "three") == "three"
    live = await db_call(lambda: list(SessionMessage.objects.filter(session__key="ws:cache-s").values_list("content")))
    assert live == [("three",), ("three",)]


async def test_an_agent_disabled_behind_the_cache_answers_no_more_turns(gateway, settings) -> None:
    from agents_app.models import Agent
    from channels_app.realtime.turns import TurnError

    settings.GATEWAY_WS_AGENT_CACHE_TTL = 60
    assert await _say("cache-d", "one") == "one"
    await db_call(lambda: Agent.objects.filter(name="helper").update(enabled=False))  # no signal: cache not cleared
    with pytest.raises(TurnError) as caught:
        await _say("cache-d", "two")
    assert caught.value.code == "agent_not_found"
