"""`manage.py chat`: streams an agent's reply in the terminal, with the offline model and against a fake server."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from agents_app.models import Agent
from routing.models import SessionMessage
from tests.fakes.fake_openai import FakeOpenAI, Reply

pytestmark = pytest.mark.django_db(transaction=True)


def chat(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("chat", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_answers_with_the_offline_model() -> None:
    Agent.objects.create(name="demo", model="echo")
    out, err = chat("demo", "hello from the terminal")
    assert out == "hello from the terminal\n"
    assert "offline echo" in err


def test_it_shows_tool_calls_as_they_run() -> None:
    Agent.objects.create(name="demo", model="echo", tools=["tests.agents_app.sample_tools.add"])
    out, _ = chat("demo", '/add {"a": 5, "b": 6}')
    assert out.splitlines() == ['→ add({"a": 5, "b": 6})', "← add: 11", "add: 11"]


def test_it_streams_a_reply_from_an_openai_compatible_server() -> None:
    with FakeOpenAI() as server:
        Agent.objects.create(name="support", model="llama3", base_url=server.base_url, tools=["search_web"])
        server.script(Reply(text="Hello from the fake model."))
        out, err = chat("support", "hi")
        assert server.requests[0].body["stream"] is True
    assert out == "Hello from the fake model.\n"
    assert "llama3 · 11+7 tokens" in err


def test_a_session_keeps_history_between_invocations() -> None:
    with FakeOpenAI() as server:
        Agent.objects.create(name="support", model="llama3", base_url=server.base_url, memory=True)
        chat("support", "My name is Ada.", "--session", "ops-1")
        chat("support", "What is my name?", "--session", "ops-1")
        second = server.requests[1].body["messages"]
    assert [m["content"] for m in second] == ["My name is Ada.", "ok", "What is my name?"]
    assert SessionMessage.objects.filter(session__key="cli:ops-1").count() == 4


def test_an_unknown_agent_is_a_clear_error() -> None:
    Agent.objects.create(name="demo", model="echo")
    with pytest.raises(CommandError, match="unknown agent 'nope' \\(agents: demo\\)"):
        chat("nope", "hi")


def test_an_unreachable_model_is_reported_not_swallowed() -> None:
    Agent.objects.create(name="support", model="gpt-4o-mini")
    with pytest.raises(CommandError, match="OPENAI_API_KEY"):
        chat("support", "hi")
