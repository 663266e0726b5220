"""The one delivery path: one retry policy (jittered backoff, Retry-After honoured and capped), attempts counted,
a permanent failure recorded on the instance and the rest of the message not sent — for replies and schedules alike.
"""

from __future__ import annotations

import pytest

from channels_app.models import ChannelInstance, OutboundMessage
from routing.pipeline.delivery import DeliveryFailed, RetryPolicy, deliver_text
from tests.fakes.fake_webhook_receiver import Answer, FakeWebhookReceiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver():
    with FakeWebhookReceiver() as fake:
        yield fake


@pytest.fixture
def crm(receiver, settings) -> ChannelInstance:
    settings.GATEWAY_RETRY_BASE = 0.01
    settings.GATEWAY_RETRY_AFTER_CAP = 0.05
    settings.GATEWAY_DELIVERY_MAX_ATTEMPTS = 3
    return ChannelInstance.objects.create(
        name="crm", platform="webhook", credentials={"secret": "s", "callback_url": receiver.url + "/hooks/in"}
    )


def test_backoff_is_jittered_exponential_and_retry_after_wins_but_is_capped() -> None:
    policy = RetryPolicy(max_attempts=5, base=1.0, cap=10.0)
    waits = {round(policy.delay(3, None), 3) for _ in range(50)}
    assert all(2.0 <= wait <= 4.0 for wait in waits) and len(waits) > 1  # 4 s halved at most, never in step
    assert policy.delay(1, 2.5) == 2.5
    assert policy.delay(1, 120.0) == 10.0
    assert policy.delay(10, None) <= 10.0


def test_a_transient_error_is_retried_and_the_message_sent_once(crm, receiver) -> None:
    receiver.script("/hooks/in", Answer(429, {"error": "slow down"}, {"Retry-After": "0"}), Answer(503, {}))
    assert deliver_text(crm, "conv-1", "", "Hello there", "test:1") == 1
    row = OutboundMessage.objects.get(idempotency_key="test:1:0")
    assert (row.status, row.attempts, row.error) == ("sent", 3, "")
    assert len(receiver.received("/hooks/in")) == 3
    assert deliver_text(crm, "conv-1", "", "Hello there", "test:1") == 0, "a sent chunk is never sent again"
    assert len(receiver.received("/hooks/in")) == 3


def test_attempts_stop_at_the_one_setting_and_the_failure_is_recorded(crm, receiver) -> None:
    receiver.script("/hooks/in", *[Answer(503, {})] * 5)
    with pytest.raises(DeliveryFailed, match="HTTP 503"):
        deliver_text(crm, "conv-1", "", "Hello there", "test:2")
    assert len(receiver.received("/hooks/in")) == 3
    assert OutboundMessage.objects.get(idempotency_key="test:2:0").status == "failed"
    assert "HTTP 503" in ChannelInstance.objects.get(pk=crm.pk).last_error


def test_a_permanent_error_is_not_retried_and_later_chunks_are_not_sent(crm, receiver) -> None:
    crm.options = {"text_limit": 20}
    crm.save()
    receiver.script("/hooks/in", Answer(404, {}))
    with pytest.raises(DeliveryFailed):
        deliver_text(crm, "conv-1", "", "First part here.\n\nSecond part here.", "test:3")
    rows = list(OutboundMessage.objects.filter(idempotency_key__startswith="test:3:").order_by("seq"))
    assert [(r.status, r.attempts) for r in rows] == [("failed", 1), ("failed", 0)]
    assert len(receiver.received("/hooks/in")) == 1
