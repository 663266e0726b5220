"""routing.pipeline.websocket: which agent a WebSocket hello reaches, and how a turn is recorded in its own session."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from agents_app.models import Agent
from channels_app.models import ChannelInstance
from channels_app.realtime.turns import TurnError, TurnInput, TurnReply
from routing.models import RoutingRule, Session, SessionMessage
from routing.pipeline import agent_lookup, websocket

pytestmark = pytest.mark.django_db(transaction=True)


async def _noop(kind: str, data: dict) -> None:
    return None


@pytest.fixture(autouse=True)
def _fresh_agent_cache() -> None:
    agent_lookup.clear()  # the cache outlives a test's database; each test starts without it


async def answer_and_store(turn: TurnInput) -> str:
    """What the consumer does: run the turn, then store its history in the final frame's transaction."""
    reply = await websocket.run_turn(turn, _noop)
    assert isinstance(reply, TurnReply)

    def store() -> None:
        with transaction.atomic():
            reply.persist()

    await database_sync_to_async(store)()
    return reply.text


async def test_a_named_enabled_agent_is_resolved_and_an_unknown_one_is_not():
    await database_sync_to_async(Agent.objects.create)(name="support", model="echo")
    await database_sync_to_async(Agent.objects.create)(name="off", model="echo", enabled=False)
    assert await websocket.resolve_agent("support") == "support"
    assert await websocket.resolve_agent("off") is None
    assert await websocket.resolve_agent("ghost") is None


async def test_without_agent_id_the_websocket_instance_default_route_decides():
    def setup() -> None:
        agent = Agent.objects.create(name="router-pick", model="echo")
        instance = ChannelInstance.objects.create(name="web", platform="websocket")
        RoutingRule.objects.create(instance=instance, context="default", agent=agent)

    assert await websocket.resolve_agent("") is None
    await database_sync_to_async(setup)()
    assert await websocket.resolve_agent("") == "router-pick"


async def test_a_turn_is_recorded_in_the_websocket_sessions_own_history():
    await database_sync_to_async(Agent.objects.create)(name="support", model="echo")
    turn = TurnInput(session_id="s1", agent_id="support", content="hi", request_id="r1", client_id="c1")
    assert await answer_and_store(turn) == "hi"
    session = await database_sync_to_async(Session.objects.get)(key="ws:s1")
    assert session.kind == Session.Kind.WEBSOCKET
    rows = await database_sync_to_async(list)(
        SessionMessage.objects.filter(session=session).order_by("seq").values_list("role", "content")
    )
    assert rows == [("user", "hi"), ("assistant", "hi")]


async def test_a_missing_agent_raises_a_turn_error():
    with pytest.raises(TurnError) as caught:
        await websocket.run_turn(TurnInput(session_id="s2", agent_id="ghost", content="x"), _noop)
    assert caught.value.code == "agent_not_found"


async def test_a_websocket_session_keeps_at_most_max_messages():
    from channels_app.models import GatewaySettings

    def setup() -> None:
        Agent.objects.create(name="support", model="echo", memory=True)
        gs = GatewaySettings.load()
        gs.session_max_messages = 2
        gs.save()

    await database_sync_to_async(setup)()
    for n in range(3):
        turn = TurnInput(session_id="capped", agent_id="support", content=f"m{n}", max_messages=2)
        await answer_and_store(turn)
    rows = await database_sync_to_async(list)(
        SessionMessage.objects.filter(session__key="ws:capped").order_by("seq").values_list("role", "content")
    )
    assert rows == [("user", "m2"), ("assistant", "m2")]


async def test_the_agent_lookup_is_cached_and_a_save_clears_it(settings):
    settings.GATEWAY_WS_AGENT_CACHE_TTL = 60
    agent = await database_sync_to_async(Agent.objects.create)(name="support", model="echo")
    assert await websocket.resolve_agent("support") == "support"
    # A bulk update sends no signal: the cached answer stands (other processes see changes within the TTL).
    await database_sync_to_async(Agent.objects.filter(name="support").update)(enabled=False)
    assert await websocket.resolve_agent("support") == "support"
    agent.enabled = False
    await database_sync_to_async(agent.save)()
    assert await websocket.resolve_agent("support") is None


async def test_with_the_cache_off_every_lookup_reads_the_database(settings):
    settings.GATEWAY_WS_AGENT_CACHE_TTL = 0
    await database_sync_to_async(Agent.objects.create)(name="support", model="echo")
    assert await websocket.resolve_agent("support") == "support"
    await database_sync_to_async(Agent.objects.filter(name="support").update)(enabled=False)
    assert await websocket.resolve_agent("support") is None
