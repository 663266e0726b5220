"""Run in its own process (the host's settings, not ours): migrate, then exercise the embedded gateway.

Prints one JSON object of observations; tests/embedding/test_embedding.py asserts on it.
"""

from __future__ import annotations

import asyncio
import io
import json
import os

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.embedding.hostproject.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402


def main() -> dict:
    call_command("migrate", verbosity=0, stdout=io.StringIO())
    from agents_app.models import Agent
    from channels_app.models import ChannelInstance, InboundEvent
    from routing.models import RoutingRule
    from tests.channels_app.support import SLACK_SECRET, body_of, fixture, slack_headers

    agent = Agent.objects.create(name="echo-agent", model="echo")
    instance = ChannelInstance.objects.create(
        name="slack-main", platform="slack", credentials={"token": "xoxb-t", "signing_secret": SLACK_SECRET}
    )
    RoutingRule.objects.create(instance=instance, context="default", agent=agent)
    client = Client()
    body = body_of(fixture("slack", "url_verification__challenge"))
    headers = {k: v for k, v in slack_headers(body).items() if k != "Content-Type"}
    challenge = client.post("/gateway/webhooks/slack-main/", body, content_type="application/json", headers=headers)
    platform = client.post("/gateway/webhook/slack", body, content_type="application/json", headers=headers)
    bad = client.post("/gateway/webhooks/slack-main/", body, content_type="application/json")
    observed = {
        "host_page": client.get("/").status_code,
        "webhook_url": reverse("webhook", args=["slack-main"]),
        "challenge": [challenge.status_code, challenge.content.decode()],
        "platform_url": [platform.status_code, platform.get("X-Gateway-Instance", "")],
        "unsigned": bad.status_code,
        "api_without_token": client.get("/gateway/api/v1/agents/").status_code,
        "stored_events": InboundEvent.objects.count(),
        "websocket": asyncio.run(websocket()),
    }
    from django.contrib import admin

    observed["admin_models"] = sorted(m._meta.label for m in admin.site._registry if m._meta.app_label == "agents_app")
    return observed


async def websocket() -> dict:
    from channels.testing import WebsocketCommunicator

    from tests.embedding.hostproject.asgi import application

    communicator = WebsocketCommunicator(application, "/gateway/ws")
    connected, _ = await communicator.connect(timeout=5)
    frames = []
    if connected:
        await communicator.send_json_to({"type": "hello", "token": "wrong-token"})
        try:
            frames.append(await communicator.receive_json_from(timeout=5))
        except Exception as exc:  # noqa: BLE001 - report what happened instead
            frames.append({"error": type(exc).__name__})
        await communicator.disconnect()
    return {"connected": connected, "frames": frames}


if __name__ == "__main__":
    print(json.dumps(main()))
