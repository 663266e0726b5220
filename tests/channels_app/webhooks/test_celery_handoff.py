"""With Celery, the intake hands events over from a background thread; each still gets exactly one reply."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from channels_app.models import InboundEvent
from gatewaysite.celery import app
from tests.channels_app.support import body_of, django_headers, fixture, slack_headers

pytestmark = pytest.mark.usefixtures("fast_pipeline")


@pytest.fixture
def eager_celery(settings) -> Iterator[None]:
    """Tasks run where they are sent (here: in the hand-off thread), so no broker or worker is needed."""
    settings.GATEWAY_DISPATCH = "celery"
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def test_a_delivery_acknowledged_before_its_task_is_sent_is_answered_once(
    client, make_instance, fake_slack, eager_celery
) -> None:
    instance = make_instance("slack", fake_slack.url)
    body = body_of(fixture("slack", "message__im"))
    for _ in range(2):  # the platform retries: still one event, one task, one reply
        response = client.post(
            f"/webhooks/{instance.name}/", body, content_type="application/json", **django_headers(slack_headers(body))
        )
        assert response.status_code == 200
    assert len(fake_slack.wait_for(1, "/chat.postMessage", timeout=10)) == 1
    deadline = time.monotonic() + 10
    while InboundEvent.objects.get().status != InboundEvent.Status.DONE and time.monotonic() < deadline:
        time.sleep(0.02)  # the task finishes in the hand-off thread just after the reply is sent
    assert InboundEvent.objects.get().status == InboundEvent.Status.DONE
    assert len(fake_slack.posts()) == 1
