"""Every door runs its turns through the one turn service (routing.pipeline.turns), so every door behaves the same:
a registered remote agent answers, the session's history continues, the run is recorded with its door, and the
turn's events are published.

The doors are driven through their own code — the channel pipeline from a signed webhook, the WebSocket door's turn
handler, REST chat plain and SSE, a schedule's run, `manage.py chat` — with a remote agent that is a real
registration on the channel layer, answered by a task on the test's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.core.management import call_command
from django.test import Client

from agents_app.models import Agent, AgentRun
from channels_app.events import GROUP, bind_event_loop
from channels_app.models import ChannelInstance, GatewaySettings, InboundEvent
from channels_app.realtime import remote_agents
from channels_app.realtime.turns import TurnInput
from routing.api.chat import TurnLock, chat_events, chat_reply, open_session
from routing.models import RoutingRule, Schedule, Session, SessionMessage
from routing.pipeline import agent_lookup, websocket
from routing.pipeline.worker import process_event
from routing.schedules.firing import schedule_run_now
from tests.channels_app.support import GENERIC_SECRET, body_of, django_headers, fixture, generic_headers
from tests.fakes.fake_webhook_receiver import FakeWebhookReceiver

pytestmark = pytest.mark.django_db(transaction=True)

Say = Callable[[str], Awaitable[str]]


@pytest.fixture(autouse=True)
def quiet_pipeline(settings) -> None:
    settings.GATEWAY_DISPATCH = "off"  # the channel door's test runs the pipeline itself
    settings.GATEWAY_WS_CONFIG_TTL = 0
    settings.GATEWAY_RETRY_AFTER_CAP = 0.05
    settings.GATEWAY_RETRY_BASE = 0.01
    channel_layers.backends.clear()  # a fresh in-memory layer per test
    agent_lookup.clear()


@pytest.fixture
def receiver():
    with FakeWebhookReceiver() as fake:
        yield fake


@pytest.fixture
def helper(receiver) -> Agent:
    agent = Agent.objects.create(name="helper", model="echo", instructions="Help.")
    instance = ChannelInstance.objects.create(
        name="crm",
        platform="webhook",
        credentials={"secret": GENERIC_SECRET, "callback_url": receiver.url + "/hooks/replies"},
    )
    RoutingRule.objects.create(instance=instance, context="default", agent=agent)
    websocket_instance, _ = ChannelInstance.objects.get_or_create(name="websocket", defaults={"platform": "websocket"})
    RoutingRule.objects.get_or_create(instance=websocket_instance, context="default", defaults={"agent": agent})
    return agent


@contextlib.asynccontextmanager
async def remote_agent(name: str) -> AsyncIterator[list[dict]]:
    """A remote agent registered for `name`, answering "remote: <content>"; yields the requests it received."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await sync_to_async(remote_agents.register)(name, "conn-door-test", channel)
    requests: list[dict] = []

    async def serve() -> None:
        while True:
            message = await layer.receive(channel)
            request = message["request"]
            requests.append(request)
            answer = {"request_id": request["request_id"], "content": f"remote: {request['content']}"}
            await layer.send(message["reply_to"], answer)

    task = asyncio.create_task(serve())
    try:
        yield requests
    finally:
        task.cancel()
        await sync_to_async(remote_agents.unregister)("conn-door-test")


@contextlib.asynccontextmanager
async def observed() -> AsyncIterator[list[dict]]:
    """The pipeline events published while the block runs (the gateway.events group on this loop's layer)."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(GROUP, channel)
    seen: list[dict] = []
    yield seen
    await asyncio.sleep(0.05)
    while True:
        try:
            async with asyncio.timeout(0.2):
                seen.append((await layer.receive(channel))["payload"])
        except TimeoutError:
            break


def _channel_door(receiver: FakeWebhookReceiver) -> tuple[Say, Callable[[], str]]:
    client = Client()
    counter = iter(range(1, 100))

    def post(text: str) -> int:
        payload = fixture("generic_webhook", "message_created__with_callback")
        payload["id"] = f"evt_door_{next(counter)}"
        payload["message"]["text"] = text
        payload.pop("reply")
        body = body_of(payload)
        response = client.post(
            "/webhooks/crm/", body, content_type="application/json", **django_headers(generic_headers(body))
        )
        assert response.status_code == 202, response.content
        return InboundEvent.objects.order_by("-id").first().pk

    async def say(text: str) -> str:
        before = len(receiver.received("/hooks/replies"))
        event_id = await sync_to_async(post, thread_sensitive=False)(text)
        await sync_to_async(process_event, thread_sensitive=False)(event_id)
        posted = receiver.received("/hooks/replies")
        assert len(posted) == before + 1, "the reply is delivered once"
        return json.loads(posted[-1].raw)["message"]["text"]

    return say, lambda: InboundEvent.objects.order_by("-id").first().conversation_key


def _websocket_door() -> tuple[Say, str]:
    async def say(text: str) -> str:
        reply = await websocket.run_turn(TurnInput(session_id="door-ws", agent_id="helper", content=text), _ignore)
        await sync_to_async(reply.persist)()
        return reply.text

    return say, "ws:door-ws"


async def _ignore(kind: str, data: dict) -> None:
    return None


def _api_door(*, streaming: bool) -> tuple[Say, Callable[[], str]]:
    state: dict[str, str] = {}

    async def say(text: str) -> str:
        agent = await sync_to_async(Agent.objects.get)(name="helper")
        ctx = await sync_to_async(open_session)(agent, state.get("session"))
        state["session"] = ctx.session.key
        if not streaming:
            return (await chat_reply(ctx, text)).text
        lock = TurnLock(ctx.session)
        await sync_to_async(lock.acquire)()
        frames = [frame async for frame in chat_events(ctx, text, lock)]
        end = next(f for f in frames if f.startswith("event: stream_end"))
        return json.loads(end.split("data: ", 1)[1])["reply"]

    return say, lambda: state["session"]


def _schedule_door() -> tuple[Say, str]:
    async def say(text: str) -> str:
        def run() -> str:
            schedule, _ = Schedule.objects.get_or_create(
                name="door-check",
                defaults={
                    "schedule": "every:3600s",
                    "agent": Agent.objects.get(name="helper"),
                    "instance": ChannelInstance.objects.get(name="crm"),
                    "channel_id": "conv-schedule",
                    "message": text,
                },
            )
            Schedule.objects.filter(pk=schedule.pk).update(message=text)
            schedule.refresh_from_db()
            finished = schedule_run_now(schedule)
            assert finished.status == "sent", finished.error
            return finished.reply

        return await sync_to_async(run, thread_sensitive=False)()

    return say, "schedule:"


def _cli_door() -> tuple[Say, str]:
    async def say(text: str) -> str:
        out = io.StringIO()
        await sync_to_async(call_command, thread_sensitive=False)(
            "chat", "helper", text, "--session", "door-cli", stdout=out, stderr=io.StringIO()
        )
        return out.getvalue().strip()

    return say, "cli:door-cli"


DOORS = ["channel", "websocket", "api", "api-sse", "schedule", "cli"]
RUN_DOOR = {"api-sse": "api"}


def _door(name: str, receiver: FakeWebhookReceiver) -> tuple[Say, Callable[[], str]]:
    say, key = {
        "channel": lambda: _channel_door(receiver),
        "websocket": _websocket_door,
        "api": lambda: _api_door(streaming=False),
        "api-sse": lambda: _api_door(streaming=True),
        "schedule": _schedule_door,
        "cli": _cli_door,
    }[name]()
    if callable(key):
        return say, key

    def session_key() -> str:
        if key == "schedule:":
            return Session.objects.get(kind=Session.Kind.SCHEDULE).key
        return key

    return say, session_key


@pytest.mark.parametrize("door", DOORS)
async def test_every_door_answers_continues_history_records_its_door_and_publishes_events(door, helper, receiver):
    bind_event_loop(asyncio.get_running_loop())
    say, session_key = _door(door, receiver)
    async with observed() as events:
        assert await say("first question") == "first question"  # the local echo agent
    async with remote_agent("helper") as requests, observed() as remote_events:
        assert await say("second question") == "remote: second question"
    [request] = requests
    assert request["history"] == [
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first question"},
    ], "the remote agent sees the session's history"
    assert request["context"]["door"] == RUN_DOOR.get(door, door)

    def stored() -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
        key = session_key()
        turns = list(SessionMessage.objects.filter(session__key=key).order_by("seq").values_list("role", "content"))
        runs = [
            (run.context.get("door"), run.provider, run.output_text)
            for run in AgentRun.objects.order_by("id")
            if run.context.get("session") == key
        ]
        return turns, runs

    turns, runs = await sync_to_async(stored)()
    assert turns == [
        ("user", "first question"),
        ("assistant", "first question"),
        ("user", "second question"),
        ("assistant", "remote: second question"),
    ]
    expected_door = RUN_DOOR.get(door, door)
    assert [d for d, _, _ in runs] == [expected_door, expected_door], "both runs recorded with their door"
    assert runs[-1][1:] == ("remote", "remote: second question") and runs[0][1] != "remote"
    kinds = [(e["type"], e["data"].get("door")) for e in events]
    assert ("agent.started", expected_door) in kinds and ("agent.finished", expected_door) in kinds
    assert ("agent.finished", expected_door) in [(e["type"], e["data"].get("door")) for e in remote_events]


async def test_a_session_idle_past_the_timeout_starts_afresh_at_every_door_that_names_no_session(helper, receiver):
    say, session_key = _door("websocket", receiver)
    await say("remember me")

    def age() -> None:
        GatewaySettings.objects.update(session_timeout=60)
        Session.objects.filter(key="ws:door-ws").update(last_activity_at="2020-01-01T00:00:00Z")

    await sync_to_async(age)()
    agent_lookup.clear()
    from routing import lookups

    lookups.clear()
    await say("new start")
    turns = await sync_to_async(
        lambda: list(SessionMessage.objects.filter(session__key="ws:door-ws").values_list("content", flat=True))
    )()
    assert turns == ["new start", "new start"]
    assert await sync_to_async(Session.objects.filter(key__startswith="ws:door-ws~closed-").count)() == 1
