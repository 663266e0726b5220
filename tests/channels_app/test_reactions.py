"""ack_emoji / done_emoji / ack_scope on each platform's own reaction API, against the fake platform servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from channels_app.adapters import get_adapter
from channels_app.adapters.base import InboundMessage
from channels_app.reactions import ack_finish, ack_start, should_ack
from tests.channels_app.adapters.conftest import CREDENTIALS, FakeInstance
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_slack import FakeSlack
from tests.fakes.fake_telegram import FakeTelegram
from tests.fakes.fake_whatsapp import FakeWhatsApp

OPTIONS = {"ack_emoji": "⏳", "done_emoji": "✅"}


def adapter(platform: str, url: str, credentials: dict | None = None):
    return get_adapter(FakeInstance(f"{platform}-test", platform, credentials or dict(CREDENTIALS[platform]), {}, url))


def message(platform: str, chat_id: str, message_id: str, context: str = "dm", mentioned: bool = True):
    return InboundMessage(
        platform, "k", chat_id, "hi", context=context, message_id=message_id, mentioned=mentioned, sender_id="u1"
    )


@pytest.fixture
def discord() -> Iterator[FakeDiscord]:
    with FakeDiscord() as fake:
        yield fake


def test_slack_adds_the_ack_by_name_then_adds_done_and_removes_the_ack() -> None:
    with FakeSlack() as fake:
        slack, msg = adapter("slack", fake.url), message("slack", "D0ALICE", "1767225600.000100")
        acked = ack_start(slack, msg, OPTIONS)
        ack_finish(slack, msg, OPTIONS, acked, delivered=True)
        assert fake.reactions() == [
            ("add", "1767225600.000100", "hourglass_flowing_sand"),
            ("add", "1767225600.000100", "white_check_mark"),
            ("remove", "1767225600.000100", "hourglass_flowing_sand"),
        ]


def test_telegram_sets_the_reaction_then_replaces_it_with_telegrams_nearest_emoji() -> None:
    with FakeTelegram() as fake:
        telegram, msg = adapter("telegram", fake.url), message("telegram", "111111111", "18")
        acked = ack_start(telegram, msg, OPTIONS)
        ack_finish(telegram, msg, OPTIONS, acked, delivered=True)
        assert fake.reactions() == [(18, ["👀"]), (18, ["👍"])]


def test_discord_puts_the_ack_then_puts_done_and_deletes_the_ack(discord: FakeDiscord) -> None:
    bot = adapter("discord", discord.url, {"token": discord.token})
    msg = message("discord", "1200000000000000001", "1300000000000000042")
    acked = ack_start(bot, msg, OPTIONS)
    ack_finish(bot, msg, OPTIONS, acked, delivered=True)
    assert discord.reactions == [
        ("PUT", "1300000000000000042", "⏳"),
        ("PUT", "1300000000000000042", "✅"),
        ("DELETE", "1300000000000000042", "⏳"),
    ]


def test_whatsapp_sends_a_reaction_message_that_the_done_reaction_replaces() -> None:
    with FakeWhatsApp() as fake:
        whatsapp, msg = adapter("whatsapp", fake.url), message("whatsapp", "15551234567", "wamid.IN0001")
        acked = ack_start(whatsapp, msg, OPTIONS)
        ack_finish(whatsapp, msg, OPTIONS, acked, delivered=True)
        sent = [r.json for r in fake.received("/messages") if (r.json or {}).get("type") == "reaction"]
        assert [item["reaction"] for item in sent] == [
            {"message_id": "wamid.IN0001", "emoji": "⏳"},
            {"message_id": "wamid.IN0001", "emoji": "✅"},
        ]


def test_a_failed_answer_takes_the_ack_off_without_a_done_reaction() -> None:
    with FakeTelegram() as fake:
        telegram, msg = adapter("telegram", fake.url), message("telegram", "111111111", "18")
        ack_finish(telegram, msg, OPTIONS, ack_start(telegram, msg, OPTIONS), delivered=False)
        assert fake.reactions() == [(18, ["👀"]), (18, [])]


def test_a_reaction_the_platform_refuses_never_raises_and_the_done_step_is_skipped() -> None:
    with FakeTelegram() as fake:
        telegram, msg = adapter("telegram", fake.url), message("telegram", "111111111", "18")
        acked = ack_start(telegram, msg, {"ack_emoji": "🫠", "done_emoji": "✅"})
        assert acked == ""
        ack_finish(telegram, msg, OPTIONS, acked, delivered=True)
        assert fake.reactions() == []


@pytest.mark.parametrize(
    ("scope", "context", "mentioned", "acked"),
    [
        ("group-mentions", "dm", False, True),
        ("group-mentions", "group", True, True),
        ("group-mentions", "group", False, False),
        ("direct", "group", True, False),
        ("direct", "dm", False, True),
        ("group-all", "group", False, True),
        ("all", "channel", False, True),
        ("off", "dm", True, False),
    ],
)
def test_ack_scope_decides_which_answered_messages_get_the_ack(scope, context, mentioned, acked) -> None:
    msg = message("slack", "C1", "1.2", context=context, mentioned=mentioned)
    assert should_ack({"ack_emoji": "⏳", "ack_scope": scope}, msg) is acked


def test_no_ack_emoji_means_no_reaction_at_all() -> None:
    assert should_ack({"done_emoji": "✅"}, message("slack", "C1", "1.2")) is False


def test_a_discord_slash_command_gets_no_reaction(discord: FakeDiscord) -> None:
    bot = adapter("discord", discord.url, {"token": discord.token})
    msg = message("discord", "1200000000000000001", "1300000000000000043")
    msg.reply = {"interaction_token": "tok", "application_id": "1100000000000000001"}
    ack_finish(bot, msg, OPTIONS, ack_start(bot, msg, OPTIONS), delivered=True)
    assert discord.reactions == []
