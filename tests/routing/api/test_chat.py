"""POST /api/v1/agents/<name>/chat: a reply in a session, the session continued by id, and the SSE stream."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync

from agents_app.models import Agent
from routing.models import Session

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def echo_agent(db) -> Agent:
    return Agent.objects.create(name="echoer", model="echo", memory=True)


def parse_sse(body: bytes) -> list[tuple[str, dict]]:
    events = []
    for block in body.decode().split("\n\n"):
        if not block.strip():
            continue
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def streamed(response) -> bytes:
    """The whole body of a streamed response (its content is an async iterator, as served under ASGI)."""

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(collect)()


def test_it_answers_and_records_both_turns_in_a_new_session(api, echo_agent):
    response = api.post("/api/v1/agents/echoer/chat", {"message": "hello there"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["reply"] == "hello there"
    assert body["agent"] == "echoer"
    session = Session.objects.get(key=body["session_id"])
    assert session.kind == Session.Kind.API
    assert list(session.messages.values_list("role", "content")) == [
        ("user", "hello there"),
        ("assistant", "hello there"),
    ]


def test_it_continues_a_session_when_given_its_id(api, echo_agent):
    first = api.post("/api/v1/agents/echoer/chat", {"message": "one"}, format="json").json()
    second = api.post(
        "/api/v1/agents/echoer/chat", {"message": "two", "session_id": first["session_id"]}, format="json"
    ).json()
    assert second["session_id"] == first["session_id"]
    session = Session.objects.get(key=first["session_id"])
    assert list(session.messages.values_list("seq", "content")) == [(1, "one"), (2, "one"), (3, "two"), (4, "two")]


def test_it_streams_server_sent_events_when_asked_by_accept_header(api, echo_agent):
    response = api.post(
        "/api/v1/agents/echoer/chat", {"message": "stream me"}, format="json", HTTP_ACCEPT="text/event-stream"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    events = parse_sse(streamed(response))
    names = [name for name, _ in events]
    assert names[0] == "session" and names[-1] == "stream_end"
    assert "token_stream" in names
    tokens = "".join(data["content"] for name, data in events if name == "token_stream")
    assert tokens == "stream me" == events[-1][1]["reply"]
    assert events[-1][1]["session_id"] == response["X-Session-Id"]


def test_it_streams_when_asked_by_query_parameter(api, echo_agent):
    response = api.post("/api/v1/agents/echoer/chat?stream=1", {"message": "q"}, format="json")
    assert [name for name, _ in parse_sse(streamed(response))][-1] == "stream_end"


def test_an_unknown_session_is_404_and_an_unknown_agent_is_404(api, echo_agent):
    response = api.post("/api/v1/agents/echoer/chat", {"message": "x", "session_id": "api:nope"}, format="json")
    assert response.status_code == 404
    assert "unknown session 'api:nope'" in response.json()["detail"]
    assert api.post("/api/v1/agents/ghost/chat", {"message": "x"}, format="json").status_code == 404


def test_a_disabled_agent_is_409(api):
    Agent.objects.create(name="off", model="echo", enabled=False)
    response = api.post("/api/v1/agents/off/chat", {"message": "x"}, format="json")
    assert response.status_code == 409


def test_a_model_without_a_provider_is_502_with_the_runtime_message(api):
    Agent.objects.create(name="lost", model="no-such-model-xyz")
    response = api.post("/api/v1/agents/lost/chat", {"message": "x"}, format="json")
    assert response.status_code == 502
    assert "lost" in response.json()["detail"]
    assert response.json()["session_id"].startswith("api:")


def test_a_missing_message_names_the_field(api, echo_agent):
    response = api.post("/api/v1/agents/echoer/chat", {}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "message"


def test_chat_needs_write_permission(reader, anonymous, echo_agent):
    assert reader.post("/api/v1/agents/echoer/chat", {"message": "x"}, format="json").status_code == 403
    assert anonymous.post("/api/v1/agents/echoer/chat", {"message": "x"}, format="json").status_code == 401


def test_a_second_message_while_the_session_is_answering_is_409(api, echo_agent):
    import threading

    from django.db import connection

    from routing.pipeline import sessions

    first = api.post("/api/v1/agents/echoer/chat", {"message": "one"}, format="json").json()
    held, release = threading.Event(), threading.Event()

    def hold_the_conversation() -> None:
        # Another worker answering this session (its own thread and database connection).
        try:
            with sessions.conversation_lock(first["session_id"]) as got:
                assert got
                held.set()
                release.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=hold_the_conversation)
    worker.start()
    try:
        assert held.wait(10)
        busy = api.post(
            "/api/v1/agents/echoer/chat", {"message": "two", "session_id": first["session_id"]}, format="json"
        )
        assert busy.status_code == 409
        assert "being answered" in busy.json()["detail"]
    finally:
        release.set()
        worker.join(10)
    again = api.post("/api/v1/agents/echoer/chat", {"message": "two", "session_id": first["session_id"]}, format="json")
    assert again.status_code == 200


def test_an_idle_session_expires_after_the_session_timeout(api, echo_agent):
    from datetime import timedelta

    from django.utils import timezone

    first = api.post("/api/v1/agents/echoer/chat", {"message": "one"}, format="json").json()
    Session.objects.filter(key=first["session_id"]).update(last_activity_at=timezone.now() - timedelta(days=2))
    response = api.post(
        "/api/v1/agents/echoer/chat", {"message": "two", "session_id": first["session_id"]}, format="json"
    )
    assert response.status_code == 404
    assert "expired" in response.json()["detail"]
    assert Session.objects.get(key=first["session_id"]).closed_at is not None


def test_each_chat_turn_appears_in_the_agent_runs_and_guardrail_verdicts(api, reader, echo_agent):
    from agents_app.models import Guardrail

    Guardrail.objects.create(name="polite", description="Be polite.", agent=echo_agent)
    api.post("/api/v1/agents/echoer/chat", {"message": "audit me"}, format="json")
    runs = reader.get("/api/v1/agent-runs/?agent=echoer&status=ok").json()
    assert runs["count"] == 1
    assert runs["results"][0]["model"] == "echo"
    assert reader.get("/api/v1/agent-runs/?agent=someone-else").json()["count"] == 0
    verdicts = reader.get("/api/v1/guardrail-verdicts/?guardrail=polite").json()["results"]
    assert [v["verdict"] for v in verdicts] == ["pass"]
    assert verdicts[0]["run"] == runs["results"][0]["id"]


@pytest.fixture
def remote_echoer(echo_agent):
    """A remote agent registered for 'echoer', answering "remote: <content>" from a loop of its own (the server's)."""
    import asyncio
    import threading

    from channels.layers import channel_layers, get_channel_layer

    from channels_app.events import bind_event_loop
    from channels_app.realtime import remote_agents

    channel_layers.backends.clear()
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    layer = get_channel_layer()
    channel = asyncio.run_coroutine_threadsafe(layer.new_channel(), loop).result(5)
    remote_agents.register("echoer", "conn-api-test", channel)
    seen: list[dict] = []

    async def serve() -> None:
        while True:
            message = await layer.receive(channel)
            request = message["request"]
            seen.append(request)
            answer = {"request_id": request["request_id"], "content": f"remote: {request['content']}"}
            await layer.send(message["reply_to"], answer)

    task = asyncio.run_coroutine_threadsafe(serve(), loop)
    bind_event_loop(loop)
    yield seen
    task.cancel()
    remote_agents.unregister("conn-api-test")
    loop.call_soon_threadsafe(loop.stop)


def test_a_registered_remote_agent_answers_rest_chat_plain_and_streamed(api, remote_echoer):
    response = api.post("/api/v1/agents/echoer/chat", {"message": "hello there"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["reply"] == "remote: hello there"
    session_id = response.json()["session_id"]
    body = {"message": "and again", "session_id": session_id, "stream": True}
    events = parse_sse(streamed(api.post("/api/v1/agents/echoer/chat", body, format="json")))
    assert events[-1][0] == "stream_end" and events[-1][1]["reply"] == "remote: and again"
    assert remote_echoer[1]["history"] == [
        {"role": "user", "content": "hello there"},
        {"role": "assistant", "content": "remote: hello there"},
    ]
    assert remote_echoer[1]["context"]["door"] == "api"
