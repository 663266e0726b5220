"""Each time the pipeline takes up an event counts as an attempt; an event taken up too often (a crash each time)
is given up, and says so, instead of being retried forever."""

from __future__ import annotations

import pytest

from channels_app.models import InboundEvent
from routing.pipeline.worker import process_event
from tests.channels_app.support import body_of, django_headers, fixture, slack_headers


@pytest.fixture
def stored_only(settings) -> None:
    settings.GATEWAY_DISPATCH = "off"  # store and acknowledge only: these tests run the pipeline themselves
    settings.GATEWAY_EVENT_MAX_ATTEMPTS = 3


def _stored_event(client, instance) -> InboundEvent:
    body = body_of(fixture("slack", "message__im"))
    response = client.post(
        f"/webhooks/{instance.name}/", body, content_type="application/json", **django_headers(slack_headers(body))
    )
    assert response.status_code == 200
    return InboundEvent.objects.get()


@pytest.mark.parametrize(
    "attempts_before, attempts_after",
    [(None, 1), (1, 2)],  # a new event; one whose process died mid-turn, resumed
    ids=["new", "resumed"],
)
def test_an_event_is_answered_once_and_counts_this_attempt(
    client, make_instance, fake_slack, stored_only, attempts_before, attempts_after
) -> None:
    event = _stored_event(client, make_instance("slack", fake_slack.url))
    if attempts_before is not None:
        InboundEvent.objects.filter(pk=event.pk).update(status="processing", attempts=attempts_before)
    process_event(event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("done", attempts_after)
    assert len(fake_slack.posts()) == 1


def test_an_event_that_used_up_its_attempts_is_given_up_unanswered(
    client, make_instance, fake_slack, stored_only
) -> None:
    event = _stored_event(client, make_instance("slack", fake_slack.url))
    InboundEvent.objects.filter(pk=event.pk).update(status="processing", attempts=3)
    process_event(event.pk)
    event.refresh_from_db()
    assert event.status == "failed"
    assert event.error == "gave up after 3 attempts"
    assert event.attempts == 3  # the look that gave up is not an attempt
    assert fake_slack.posts() == []
