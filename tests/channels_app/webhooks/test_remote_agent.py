"""A channel message routed to an agent that a WebSocket client registered as its remote handler is answered by
that client (docs/protocol.md "Remote agents"), through the same pipeline and exactly once."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.test import Client

from channels_app.models import GatewaySettings, InboundEvent
from tests.channels_app.support import body_of, django_headers, fixture, slack_headers

pytestmark = pytest.mark.usefixtures("fast_pipeline")
TOKEN = "remote-agent-test-token"


async def _frame(comm: WebsocketCommunicator, type_: str, wait: float = 5) -> dict:
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        frame = json.loads(await comm.receive_from(timeout=max(0.01, deadline - asyncio.get_running_loop().time())))
        if frame.get("type") == type_:
            return frame


def _post(name: str, body: bytes) -> int:
    headers = django_headers(slack_headers(body))
    return Client().post(f"/webhooks/{name}/", body, content_type="application/json", **headers).status_code


async def test_a_channel_message_routed_to_a_remote_agent_is_answered_by_it(make_instance, fake_slack, idle) -> None:
    from gatewaysite.asgi import application

    channel_layers.backends.clear()
    instance = await sync_to_async(make_instance)("slack", fake_slack.url)

    def token() -> None:
        config = GatewaySettings.load()
        config.auth_token = TOKEN
        config.save()

    await sync_to_async(token)()
    comm = WebsocketCommunicator(application, f"/ws?token={TOKEN}")
    connected, _ = await comm.connect(timeout=5)
    assert connected
    try:
        await comm.send_to(text_data=json.dumps({"type": "agent.register", "agent_id": "echo-agent"}))
        await _frame(comm, "agent.registered")
        body = body_of(fixture("slack", "message__im"))
        assert await sync_to_async(_post, thread_sensitive=False)(instance.name, body) == 200
        request = await _frame(comm, "agent_request", wait=10)
        assert request["content"].startswith("Can you summarise the Q3 report")
        reply = {"type": "agent_response", "request_id": request["request_id"], "content": "Remote says **hi**"}
        await comm.send_to(text_data=json.dumps(reply))
        await sync_to_async(fake_slack.wait_for, thread_sensitive=False)(1, "/chat.postMessage", timeout=10)
    finally:
        await comm.disconnect()
    await sync_to_async(idle, thread_sensitive=False)()  # the event is marked done just after the send
    assert [post.json["text"] for post in fake_slack.posts()] == ["Remote says *hi*"]
    event = await sync_to_async(InboundEvent.objects.get)()
    assert (event.status, event.reply) == ("done", "Remote says **hi**")
