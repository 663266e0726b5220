"""Discord gateway messages driven through discord.py's own parsing of gateway payloads (READY, GUILD_CREATE,
MESSAGE_CREATE), then the shared pipeline, with replies checked at a fake REST API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path

import pytest

from agents_app.models import Agent
from channels_app.listeners.context import ListenerContext
from channels_app.listeners.discord_gateway import DiscordListener, gateway_intents
from channels_app.models import ChannelInstance, InboundEvent
from routing.models import RoutingRule, Session
from tests.channels_app.listeners.conftest import wait_for
from tests.fakes.fake_discord import FakeDiscord

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "discord"
GUILD, CHANNEL, THREAD, BOT = "1100000000000000010", "1100000000000000020", "1100000000000000030", "1300000000000000002"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def guild_create() -> dict:
    """A minimal GUILD_CREATE: one text channel and one public thread in it."""
    return {
        "id": GUILD,
        "name": "Acme",
        "unavailable": False,
        "member_count": 2,
        "features": [],
        "roles": [],
        "emojis": [],
        "stickers": [],
        "members": [],
        "voice_states": [],
        "presences": [],
        "owner_id": "1",
        "channels": [{"id": CHANNEL, "type": 0, "name": "ops", "position": 0, "permission_overwrites": []}],
        "threads": [
            {
                "id": THREAD,
                "type": 11,
                "parent_id": CHANNEL,
                "guild_id": GUILD,
                "name": "incident-42",
                "owner_id": "900000000000000001",
                "message_count": 1,
                "member_count": 1,
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "locked": False,
                    "archive_timestamp": "2026-01-01T00:00:00+00:00",
                },
            }
        ],
    }


@pytest.fixture
def fake():
    with FakeDiscord() as server:
        yield server


@pytest.fixture
def instance(settings, fake) -> ChannelInstance:
    settings.GATEWAY_DISPATCH = "embedded"
    channel = ChannelInstance.objects.create(
        name="acme-discord",
        platform="discord",
        credentials={"token": fake.token},
        api_base_url=fake.url,
        options={"guild_ready_timeout": 0.05},
    )
    RoutingRule.objects.create(
        instance=channel, context="default", agent=Agent.objects.create(name="ops", model="echo")
    )
    return channel


def feed(instance: ChannelInstance, *messages: dict) -> None:
    """A fresh listener (as after a process restart) whose client parses READY, GUILD_CREATE and the messages."""
    listener = DiscordListener(instance, ListenerContext(instance, "discord", "test-holder"))

    async def main() -> None:
        client = listener.build_client()
        await client._async_setup_hook()  # what login() does first: binds the client to this loop
        parsers = client._connection.parsers
        parsers["READY"](fixture("gateway_ready")["d"])
        parsers["GUILD_CREATE"](guild_create())
        for message in messages:
            parsers[message["t"]](copy.deepcopy(message["d"]))
        while pending := [t for t in asyncio.all_tasks() if t.get_name() == "discord.py: on_message" and not t.done()]:
            await asyncio.gather(*pending)
        await client.close()

    asyncio.run(main())


def message_in(channel_id: str, message_id: str, content: str) -> dict:
    payload = fixture("gateway_message_create_guild_mention")
    payload["d"].update(id=message_id, channel_id=channel_id, content=content)
    return payload


def test_it_asks_for_the_message_content_intent():
    assert gateway_intents().value == 37377


def test_a_guild_mention_gets_one_reply_that_references_it(instance, fake):
    feed(instance, fixture("gateway_message_create_guild_mention"))
    [call] = fake.wait_for(1, method="POST")
    assert call.path == f"/channels/{CHANNEL}/messages"
    assert call.body["content"] == "can you summarise **today's** incidents?"
    assert call.body["message_reference"]["message_id"] == "1400000000000000101"
    assert call.body["allowed_mentions"]["parse"] == []
    event = InboundEvent.objects.get()
    assert (event.context, event.chat_id) == ("channel", CHANNEL)


def test_a_dm_is_answered_without_a_mention(instance, fake):
    feed(instance, fixture("gateway_message_create_dm"))
    [call] = fake.wait_for(1, method="POST")
    assert call.path == "/channels/1100000000000000040/messages"
    assert call.body["content"] == "hi, private question"
    assert InboundEvent.objects.get().context == "dm"


def test_our_own_messages_and_unaddressed_guild_messages_are_not_answered(instance, fake):
    feed(
        instance,
        fixture("gateway_message_create_own_bot"),
        fixture("gateway_message_create_without_message_content_intent"),
        fixture("gateway_message_create_dm"),
    )
    fake.wait_for(1, method="POST")
    events = {e.dedupe_key: e for e in InboundEvent.objects.all()}
    assert events["message:1400000000000000105"].status == "ignored"
    assert "bot echo" in events["message:1400000000000000105"].error
    missing_intent = [e for e in events.values() if "MESSAGE_CONTENT" in e.error]
    assert len(missing_intent) == 1 and missing_intent[0].status == "ignored"
    wait_for(lambda: not InboundEvent.objects.filter(status__in=["received", "processing"]).exists(), what="done")
    assert [c.path for c in fake.wait_for(1, method="POST")] == ["/channels/1100000000000000040/messages"]


def test_a_thread_keeps_its_own_session(instance, fake):
    feed(
        instance,
        message_in(CHANNEL, "1400000000000000301", f"<@{BOT}> in the channel"),
        message_in(THREAD, "1400000000000000302", f"<@{BOT}> in the thread"),
    )
    calls = fake.wait_for(2, method="POST")
    assert sorted(c.path for c in calls) == [f"/channels/{CHANNEL}/messages", f"/channels/{THREAD}/messages"]
    wait_for(lambda: Session.objects.count() == 2, what="two sessions")


def test_a_message_replayed_after_a_restart_is_answered_once(instance, fake):
    feed(instance, fixture("gateway_message_create_guild_mention"))
    fake.wait_for(1, method="POST")
    # The process restarts; Discord's resume replays the same MESSAGE_CREATE to the new session.
    feed(instance, fixture("gateway_message_create_guild_mention"))
    wait_for(lambda: not InboundEvent.objects.filter(status__in=["received", "processing"]).exists(), what="done")
    assert InboundEvent.objects.count() == 1
    assert len(fake.messages) == 1
