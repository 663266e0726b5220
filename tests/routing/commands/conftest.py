"""Channel fixtures (fake platforms, instances routed to an offline agent, the embedded pipeline) for command tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from itertools import count

import pytest

from channels_app.webhooks import feedback
from tests.channels_app.conftest import (  # noqa: F401 - fixtures re-exported for these tests
    echo_agent,
    fake_slack,
    fake_telegram,
    fast_pipeline,
    idle,
    make_instance,
)
from tests.channels_app.support import body_of, django_headers, fixture, slack_headers
from tests.fakes.fake_openai import FakeOpenAI

_numbers = count(1)


@pytest.fixture(autouse=True)
def _fresh_notices() -> None:
    feedback.reset()


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def say(client) -> Callable[..., int]:
    """Post a signed Slack DM with `text` (a new event each time) to an instance; returns the HTTP status."""

    def send(instance: str, text: str, user: str = "U0ALICE001") -> int:
        n = next(_numbers)
        payload = json.loads(json.dumps(fixture("slack", "message__im")))
        payload["event_id"] = f"Ev0CMD{n:06d}"
        payload["event"].update(text=text, ts=f"1767225600.{n:06d}", user=user, client_msg_id=f"cmd-{n}")
        payload["event"].pop("blocks", None)
        body = body_of(payload)
        return client.post(
            f"/webhooks/{instance}/", body, content_type="application/json", **django_headers(slack_headers(body))
        ).status_code

    return send
