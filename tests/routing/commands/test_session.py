"""Session commands on a channel, as a user sees them at the (fake) platform: /new, /reset, /clear start a fresh
session with one short confirmation; /background runs a task detached and reports per the notification level,
bounded per conversation."""

from __future__ import annotations

import pytest

from channels_app.models import GatewaySettings, InboundEvent
from routing.models import Session, SessionMessage
from tests.fakes.fake_openai import Reply

pytestmark = pytest.mark.usefixtures("fast_pipeline")


def texts(fake_slack) -> list[str]:
    return [r.json["text"] for r in fake_slack.posts()]


def settings_with(**values: object) -> None:
    settings = GatewaySettings.load()
    for key, value in values.items():
        setattr(settings, key, value)
    settings.save()  # a save (not update()) so the pipeline's short settings cache forgets the old row


@pytest.mark.parametrize("command", ["/new", "/reset", "/clear"])
def test_a_reset_command_starts_a_fresh_session_and_says_so_in_one_line(
    command, make_instance, fake_slack, say, idle
) -> None:
    instance = make_instance("slack", fake_slack.url)
    say(instance.name, "remember the number 42")
    idle()
    say(instance.name, command)
    idle()
    say(instance.name, "what was the number?")
    idle()
    assert texts(fake_slack) == [
        "remember the number 42",
        "Session reset. Starting fresh conversation.",
        "what was the number?",
    ]
    live = Session.objects.get(closed_at__isnull=True)
    assert list(SessionMessage.objects.filter(session=live).values_list("content", flat=True)) == [
        "what was the number?",
        "what was the number?",
    ]
    assert Session.objects.filter(closed_at__isnull=False).count() == 1  # the old transcript is kept


def test_the_reset_commands_are_configurable(make_instance, fake_slack, say, idle) -> None:
    settings_with(session_reset_commands=["/restart"])
    instance = make_instance("slack", fake_slack.url)
    say(instance.name, "/new")
    idle()
    say(instance.name, "/restart")
    idle()
    assert texts(fake_slack) == ["/new", "Session reset. Starting fresh conversation."]


def test_background_confirms_at_once_then_sends_the_result(make_instance, fake_slack, say, idle) -> None:
    instance = make_instance("slack", fake_slack.url)
    say(instance.name, "/background summarise the Q3 report")
    idle()
    child = InboundEvent.objects.get(event_type="background")
    assert texts(fake_slack) == [
        f'Background task bg_{child.pk} started: "summarise the Q3 report"',
        f"Background task bg_{child.pk} complete:\nsummarise the Q3 report",
    ]
    assert child.status == "done"
    parent_session = Session.objects.get(key=InboundEvent.objects.exclude(pk=child.pk).get().conversation_key)
    assert not SessionMessage.objects.filter(session=parent_session, content__contains="Q3").exists()


def test_background_level_off_sends_only_the_confirmation(make_instance, fake_slack, say, idle) -> None:
    settings_with(background_notification_level="off")
    instance = make_instance("slack", fake_slack.url)
    say(instance.name, "/background quiet task")
    idle()
    assert len(texts(fake_slack)) == 1 and texts(fake_slack)[0].startswith("Background task bg_")


def test_background_level_error_reports_failures_only(make_instance, fake_slack, say, idle, echo_agent) -> None:
    settings_with(background_notification_level="error")
    instance = make_instance("slack", fake_slack.url)
    say(instance.name, "/background works")
    idle()
    assert len(texts(fake_slack)) == 1
    echo_agent.model = "gpt-4o-mini"  # no OpenAI key in tests: the run fails
    echo_agent.save()
    say(instance.name, "/background fails")
    idle()
    last = texts(fake_slack)[-1]
    assert last.startswith("Background task bg_") and " failed: " in last


def test_background_tasks_are_bounded_per_conversation(
    make_instance, fake_slack, fake_openai, say, idle, echo_agent
) -> None:
    settings_with(max_background_tasks=1)
    echo_agent.model, echo_agent.base_url = "gpt-4o-mini", fake_openai.base_url
    echo_agent.save()
    fake_openai.script(Reply(text="slow result", delay=2.0))
    instance = make_instance("slack", fake_slack.url)
    say(instance.name, "/background first")
    say(instance.name, "/background second")
    idle()
    sent = texts(fake_slack)
    assert any(t.startswith("Too many background tasks running here (1 at most)") for t in sent)
    assert any(t.endswith("complete:\nslow result") for t in sent)
    assert InboundEvent.objects.filter(event_type="background").count() == 1


def test_background_level_all_shows_tool_activity_and_result_but_lower_levels_do_not(
    make_instance, fake_slack, fake_openai, say, idle, echo_agent
) -> None:
    echo_agent.model, echo_agent.base_url, echo_agent.tools = "gpt-4o-mini", fake_openai.base_url, ["add"]
    echo_agent.save()
    instance = make_instance("slack", fake_slack.url)
    for level in ("result", "all"):
        settings_with(background_notification_level=level)
        fake_openai.script(Reply(tool_calls=[("add", {"a": 1, "b": 2})]), Reply(text=f"three ({level})"))
        say(instance.name, f"/background add at {level}")
        idle()
    activity = [r.json["text"] for r in fake_slack.received("/chat.postMessage") if "Using add" in r.json["text"]]
    assert activity == ["_Using add…_"]  # only the task at level all showed it
    assert len(fake_slack.received("/chat.delete")) == 1
    assert [t for t in texts(fake_slack) if "complete" in t][-1].endswith("three (all)")


@pytest.mark.django_db(transaction=True)
async def test_a_websocket_client_resets_its_session_with_new() -> None:
    from asgiref.sync import sync_to_async
    from django.db import transaction

    from agents_app.models import Agent
    from channels_app.realtime.turns import TurnInput
    from routing.pipeline import agent_lookup, websocket

    agent_lookup.clear()
    await Agent.objects.acreate(name="support", model="echo")

    async def turn(text: str) -> str:
        reply = await websocket.run_turn(TurnInput(session_id="s1", agent_id="support", content=text), _noop)
        if reply.persist:

            def store() -> None:
                with transaction.atomic():
                    reply.persist()

            await sync_to_async(store)()
        return reply.text

    assert await turn("remember 42") == "remember 42"
    assert await turn("/reset") == "Session reset. Starting fresh conversation."
    assert await turn("what number?") == "what number?"
    live = await Session.objects.aget(key="ws:s1")
    contents = [m async for m in SessionMessage.objects.filter(session=live).values_list("content", flat=True)]
    assert contents == ["what number?", "what number?"]


async def _noop(kind: str, data: dict) -> None:
    return None
