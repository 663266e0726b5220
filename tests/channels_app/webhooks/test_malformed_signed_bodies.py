"""Authentic (signed) but malformed bodies are the sender's mistake: 400 naming the field, never a 500."""

from __future__ import annotations

import logging

import pytest

from channels_app.models import InboundEvent
from tests.channels_app.support import body_of, django_headers, fixture, meta_headers, slack_headers

pytestmark = pytest.mark.usefixtures("fast_pipeline")


def post(client, name: str, body: bytes, headers: dict[str, str]):
    return client.post(f"/webhooks/{name}/", body, content_type="application/json", **django_headers(headers))


def test_slack_authorizations_that_is_not_an_array_is_400_naming_the_field(client, make_instance, caplog) -> None:
    slack = make_instance("slack", "http://127.0.0.1:9/")
    payload = fixture("slack", "message__im")
    payload["authorizations"] = 5
    body = body_of(payload)
    with caplog.at_level(logging.INFO):
        response = post(client, slack.name, body, slack_headers(body))
    assert response.status_code == 400
    assert "authorizations must be an array" in response.json()["error"]
    assert response["X-Slack-No-Retry"] == "1"
    assert not [r for r in caplog.records if r.exc_info]


def test_400k_deep_signed_json_is_400_not_a_recursion_crash(client, make_instance) -> None:
    slack = make_instance("slack", "http://127.0.0.1:9/")
    body = b'{"a":' + b"[" * 400_000 + b"]" * 400_000 + b"}"
    response = post(client, slack.name, body, slack_headers(body))
    assert response.status_code == 400
    assert response.json()["error"] == "malformed body"


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (["str"], "entry[0] must be an object"),
        ("str", "entry must be an array"),
        ([{"changes": 7}], "entry[0].changes"),
    ],
)
def test_a_whatsapp_entry_of_the_wrong_shape_is_400_naming_the_field(client, make_instance, entry, field) -> None:
    whatsapp = make_instance("whatsapp", "http://127.0.0.1:9/")
    payload = fixture("whatsapp", "messages__text")
    payload["entry"] = entry
    body = body_of(payload)
    response = post(client, whatsapp.name, body, meta_headers(body))
    assert response.status_code == 400
    assert field in response.json()["error"]
    assert not InboundEvent.objects.exists()


def test_a_whatsapp_message_list_of_the_wrong_shape_is_400_naming_the_field(client, make_instance) -> None:
    whatsapp = make_instance("whatsapp", "http://127.0.0.1:9/")
    payload = fixture("whatsapp", "messages__text")
    payload["entry"][0]["changes"][0]["value"]["messages"] = {"id": "x"}
    body = body_of(payload)
    response = post(client, whatsapp.name, body, meta_headers(body))
    assert response.status_code == 400
    assert "entry[0].changes[0].value.messages must be an array" in response.json()["error"]
