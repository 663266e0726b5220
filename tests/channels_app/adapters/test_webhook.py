"""The generic webhook's per-message callback URL: only hosts the HTTP client will really connect to count."""

from __future__ import annotations

import pytest

from channels_app.models import InboundEvent
from tests.channels_app.support import body_of, django_headers, fixture, generic_headers
from tests.fakes.fake_webhook_receiver import FakeWebhookReceiver

pytestmark = pytest.mark.usefixtures("fast_pipeline")


def post(client, name: str, body: bytes):
    return client.post(
        f"/webhooks/{name}/", body, content_type="application/json", **django_headers(generic_headers(body))
    )


def test_a_backslash_callback_url_cannot_smuggle_a_host_past_the_allow_list(client, make_instance, idle) -> None:
    with FakeWebhookReceiver() as allowed, FakeWebhookReceiver() as smuggled:
        instance = make_instance("webhook", name="crm", allowed_callback_hosts=["localhost"])
        allowed_port = allowed.url.rsplit(":", 1)[1]
        smuggled_port = smuggled.url.rsplit(":", 1)[1]
        payload = fixture("generic_webhook", "message_created__with_callback")
        # urllib reads host "localhost"; requests (urllib3) connects to 127.0.0.1:<smuggled>.
        payload["reply"]["callback_url"] = f"http://127.0.0.1:{smuggled_port}\\@localhost:{allowed_port}/x"
        response = post(client, instance.name, body_of(payload))
        assert response.status_code == 202
        idle()
        assert smuggled.received() == []
        assert allowed.received() == []


def test_an_allow_listed_callback_host_still_gets_the_reply(client, make_instance, idle) -> None:
    with FakeWebhookReceiver() as receiver:
        instance = make_instance("webhook", name="crm", allowed_callback_hosts=["localhost"])
        payload = fixture("generic_webhook", "message_created__with_callback")
        payload["reply"]["callback_url"] = receiver.url.replace("127.0.0.1", "localhost") + "/hooks/replies"
        assert post(client, instance.name, body_of(payload)).status_code == 202
        idle()
        assert len(receiver.received("/hooks/replies")) == 1


@pytest.mark.parametrize("wait", ["abc", [], {"s": 1}, -1, True])
def test_a_signed_body_with_a_non_numeric_reply_wait_is_400_naming_the_field(client, make_instance, wait) -> None:
    instance = make_instance("webhook", name="crm")
    payload = fixture("generic_webhook", "message_created__with_callback")
    payload["reply"] = {"wait": wait}
    response = post(client, instance.name, body_of(payload))
    assert response.status_code == 400
    assert "reply.wait" in response.json()["error"]
    assert not InboundEvent.objects.exists()
