"""Malformed timestamps in signature headers are unauthenticated garbage: 401, never 500, never a traceback.

Posted through the real webhook URL, for every scheme that shares the timestamp helper (Slack v0, Stripe-style
`t=`, Standard Webhooks).
"""

from __future__ import annotations

import logging

import pytest

from channels_app.models import InboundEvent
from tests.channels_app.support import body_of, django_headers, fixture, slack_headers

pytestmark = pytest.mark.usefixtures("fast_pipeline")

HUGE = "1" * 5000  # int() refuses more than 4,300 digits
LATIN1 = "1700000000\xb2"  # "²" passes str.isdigit() but not int()


def post(client, name: str, body: bytes, headers: dict[str, str]):
    return client.post(f"/webhooks/{name}/", body, content_type="application/json", **django_headers(headers))


def assert_quiet(caplog: pytest.LogCaptureFixture) -> None:
    loud = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert loud == [], [r.getMessage() for r in loud]


@pytest.mark.parametrize(
    "stamp", [HUGE, LATIN1, "\u0661\u0662\u0663", " ", "-"], ids=["5000-digits", "latin-1", "arabic", "blank", "dash"]
)
def test_a_malformed_slack_timestamp_is_401_without_a_traceback(client, make_instance, caplog, stamp) -> None:
    slack = make_instance("slack", "http://127.0.0.1:9/")
    body = body_of(fixture("slack", "message__im"))
    headers = {**slack_headers(body), "X-Slack-Request-Timestamp": stamp}
    with caplog.at_level(logging.INFO):
        response = post(client, slack.name, body, headers)
    assert response.status_code == 401
    assert not InboundEvent.objects.exists()
    assert_quiet(caplog)


@pytest.mark.parametrize("stamp", [HUGE, LATIN1])
def test_a_malformed_stripe_style_timestamp_is_401_without_a_traceback(client, make_instance, caplog, stamp) -> None:
    hook = make_instance("webhook", signature_scheme="stripe", signature_header="Stripe-Signature")
    body = b'{"id": "evt_1"}'
    with caplog.at_level(logging.INFO):
        response = post(client, hook.name, body, {"Stripe-Signature": f"t={stamp},v1=00"})
    assert response.status_code == 401
    assert_quiet(caplog)


@pytest.mark.parametrize("stamp", [HUGE, LATIN1])
def test_a_malformed_standard_webhooks_timestamp_is_401_without_a_traceback(
    client, make_instance, caplog, stamp
) -> None:
    hook = make_instance("webhook", signature_scheme="standard")
    body = b'{"id": "evt_1"}'
    headers = {"webhook-id": "msg_1", "webhook-timestamp": stamp, "webhook-signature": "v1,AAAA"}
    with caplog.at_level(logging.INFO):
        response = post(client, hook.name, body, headers)
    assert response.status_code == 401
    assert_quiet(caplog)


async def test_a_5000_digit_slack_timestamp_is_401_through_the_asgi_fast_path(make_instance) -> None:
    """The deployed door (gatewaysite.asgi with its webhook fast path), not only the URLconf."""
    from asgiref.sync import sync_to_async
    from channels.testing import HttpCommunicator

    from gatewaysite.asgi import application

    slack = await sync_to_async(make_instance)("slack", "http://127.0.0.1:9/")
    body = body_of(fixture("slack", "message__im"))
    headers = {**slack_headers(body), "X-Slack-Request-Timestamp": HUGE}
    raw = [(k.lower().encode(), v.encode("latin-1")) for k, v in headers.items()]
    communicator = HttpCommunicator(application, "POST", f"/webhooks/{slack.name}/", body=body, headers=raw)
    response = await communicator.get_response(timeout=10)
    assert response["status"] == 401
