"""Tool activity as the user sees it at the (fake) platform: one status line posted, edited for the next tool,
deleted when the answer is there; the typing indicator where messages cannot be edited away."""

from __future__ import annotations

import pytest

from channels_app.activity import ToolActivity
from channels_app.adapters import Target, get_adapter

pytestmark = pytest.mark.django_db(transaction=True)


def test_on_slack_the_status_line_is_posted_updated_and_deleted(make_instance, fake_slack) -> None:
    adapter = get_adapter(make_instance("slack", fake_slack.url))
    activity = ToolActivity(adapter, Target(chat_id="C0SUPPORT1", thread_id="1767225000.000050"))
    activity.tool("search_web")
    activity.tool("get_weather")
    activity.done()
    post, update, delete = fake_slack.requests
    assert post.path == "/chat.postMessage" and post.json["text"] == "_Using search_web…_"
    assert post.json["thread_ts"] == "1767225000.000050"
    assert activity.message_id == ""  # nothing left to clean up
    assert update.path == "/chat.update" and update.json["text"] == "_Using get_weather…_"
    assert delete.path == "/chat.delete" and delete.json["ts"] == update.json["ts"]


def test_on_telegram_the_status_line_is_edited_then_deleted(make_instance, fake_telegram) -> None:
    adapter = get_adapter(make_instance("telegram", fake_telegram.url))
    activity = ToolActivity(adapter, Target(chat_id="111111111"))
    activity.tool("search_web")
    activity.tool("get_weather")
    activity.done()
    methods = [r.path.rsplit("/", 1)[-1] for r in fake_telegram.requests]
    assert methods == ["sendMessage", "editMessageText", "deleteMessage"]
    sent = fake_telegram.requests[0]
    assert sent.json["text"] == "Using search_web…"
    assert fake_telegram.requests[1].json["text"] == "Using get_weather…"
    assert fake_telegram.requests[2].json["message_id"] == fake_telegram.requests[1].json["message_id"]


def test_where_messages_cannot_be_edited_away_the_typing_indicator_shows(make_instance, fake_whatsapp) -> None:
    adapter = get_adapter(make_instance("whatsapp", fake_whatsapp.url))
    activity = ToolActivity(
        adapter, Target(chat_id="16505551234", reply_to="wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdBRjcyNTY5QTI5")
    )
    activity.tool("search_web")
    activity.done()
    assert all("text" not in (r.json or {}) for r in fake_whatsapp.requests)


def test_tool_activity_off_shows_nothing(make_instance, fake_slack) -> None:
    adapter = get_adapter(make_instance("slack", fake_slack.url))
    activity = ToolActivity(adapter, Target(chat_id="C0SUPPORT1"), enabled=False)
    activity.tool("search_web")
    activity.done()
    assert fake_slack.requests == []


@pytest.fixture
def fake_openai():
    from tests.fakes.fake_openai import FakeOpenAI

    with FakeOpenAI() as server:
        yield server


def tool_agent(echo_agent, fake_openai) -> None:
    from tests.fakes.fake_openai import Reply

    echo_agent.model, echo_agent.base_url, echo_agent.tools = "gpt-4o-mini", fake_openai.base_url, ["add"]
    echo_agent.save()
    fake_openai.script(Reply(tool_calls=[("add", {"a": 40, "b": 2})]), Reply(text="It is 42."))


@pytest.mark.usefixtures("fast_pipeline")
def test_a_slack_turn_with_a_tool_shows_it_then_deletes_it_before_the_answer(
    client, make_instance, fake_slack, fake_openai, echo_agent, idle
) -> None:
    from tests.channels_app.support import body_of, django_headers, fixture, slack_headers

    tool_agent(echo_agent, fake_openai)
    instance = make_instance("slack", fake_slack.url)
    body = body_of(fixture("slack", "message__im"))
    client.post(
        f"/webhooks/{instance.name}/", body, content_type="application/json", **django_headers(slack_headers(body))
    )
    idle()
    calls = [(r.path, (r.json or {}).get("text")) for r in fake_slack.requests]
    assert calls == [
        ("/chat.postMessage", "_Using add…_"),
        ("/chat.delete", None),
        ("/chat.postMessage", "It is 42."),
    ]


@pytest.mark.usefixtures("fast_pipeline")
def test_a_telegram_turn_with_a_tool_shows_it_then_deletes_it_before_the_answer(
    client, make_instance, fake_telegram, fake_openai, echo_agent, idle
) -> None:
    from tests.channels_app.support import body_of, django_headers, fixture, telegram_headers

    tool_agent(echo_agent, fake_openai)
    instance = make_instance("telegram", fake_telegram.url)
    body = body_of(fixture("telegram", "update__private_text"))
    client.post(
        f"/webhooks/{instance.name}/", body, content_type="application/json", **django_headers(telegram_headers())
    )
    idle()
    methods = [r.path.rsplit("/", 1)[-1] for r in fake_telegram.requests if not r.path.endswith("sendChatAction")]
    assert methods == ["sendMessage", "deleteMessage", "sendMessage"]
    assert fake_telegram.requests[-1].json["text"] == "It is 42."


def test_on_discord_the_status_line_is_edited_then_deleted() -> None:
    from channels_app.models import ChannelInstance
    from tests.fakes.fake_discord import FakeDiscord

    with FakeDiscord() as fake:
        instance = ChannelInstance.objects.create(
            name="discord-main", platform="discord", credentials={"token": fake.token}, api_base_url=fake.url
        )
        activity = ToolActivity(get_adapter(instance), Target(chat_id="1200000000000000001"))
        activity.tool("search_web")
        activity.tool("get_weather")
        activity.done()
        calls = [(c.method, c.path, c.body.get("content")) for c in fake.calls]
    posted = calls[0][1] + "/"
    assert calls[0] == ("POST", "/channels/1200000000000000001/messages", "*Using search_web…*")
    assert calls[1][0] == "PATCH" and calls[1][1].startswith(posted) and calls[1][2] == "*Using get_weather…*"
    assert calls[2][:2] == ("DELETE", calls[1][1])
