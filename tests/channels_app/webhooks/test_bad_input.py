"""Every bad input gets its status code, and nothing is stored or answered (PLATFORMS.md §2.4)."""

from __future__ import annotations

import json

import pytest

from channels_app.models import InboundEvent
from tests.channels_app.support import (
    body_of,
    django_headers,
    fixture,
    meta_headers,
    slack_headers,
    telegram_headers,
)

pytestmark = pytest.mark.usefixtures("fast_pipeline")


@pytest.fixture
def slack(make_instance, fake_slack):
    return make_instance("slack", fake_slack.url)


def post(client, name: str, body: bytes, headers: dict[str, str]):
    return client.post(f"/webhooks/{name}/", body, content_type="application/json", **django_headers(headers))


def test_a_tampered_slack_body_is_401(client, slack, fake_slack, idle) -> None:
    body = body_of(fixture("slack", "message__im"))
    response = post(client, slack.name, body.replace(b"Friday", b"Monday"), slack_headers(body))
    assert response.status_code == 401
    assert response.json() == {"error": "invalid request"}


def test_a_stale_slack_timestamp_is_401(client, slack, idle) -> None:
    body = body_of(fixture("slack", "message__im"))
    import time

    response = post(client, slack.name, body, slack_headers(body, timestamp=int(time.time()) - 301))
    assert response.status_code == 401


def test_a_missing_signature_header_is_401(client, slack) -> None:
    assert post(client, slack.name, body_of(fixture("slack", "message__im")), {}).status_code == 401


def test_malformed_json_after_a_good_signature_is_400_without_retry(client, slack) -> None:
    body = b'{"type": "event_callback", '
    response = post(client, slack.name, body, slack_headers(body))
    assert response.status_code == 400
    assert response["X-Slack-No-Retry"] == "1"


def test_a_json_array_is_400(client, slack) -> None:
    body = b"[1, 2]"
    assert post(client, slack.name, body, slack_headers(body)).status_code == 400


def test_an_unknown_instance_is_404_with_one_body(client, slack) -> None:
    response = post(client, "nope", b"{}", {})
    assert response.status_code == 404 and response.json() == {"error": "not found"}


def test_a_disabled_instance_is_404(client, slack) -> None:
    slack.enabled = False
    slack.save()
    body = body_of(fixture("slack", "message__im"))
    assert post(client, slack.name, body, slack_headers(body)).status_code == 404


def test_an_oversize_body_is_413(client, slack, settings) -> None:
    settings.GATEWAY_MAX_BODY_BYTES = 1000
    payload = fixture("slack", "message__im")
    payload["event"]["text"] = "x" * 2000
    body = body_of(payload)
    assert post(client, slack.name, body, slack_headers(body)).status_code == 413


def test_wrong_whatsapp_verify_token_is_403(client, make_instance, fake_whatsapp) -> None:
    instance = make_instance("whatsapp", fake_whatsapp.url)
    query = dict(fixture("whatsapp", "verify__get")["request"]["query"])
    assert client.get(f"/webhooks/{instance.name}/", query).content == b"1158201444"
    query["hub.verify_token"] = "wrong"
    assert client.get(f"/webhooks/{instance.name}/", query).status_code == 403


def test_a_get_on_a_platform_without_a_get_handshake_is_405(client, slack) -> None:
    assert client.get(f"/webhooks/{slack.name}/").status_code == 405


def test_a_wrong_telegram_secret_is_401(client, make_instance, fake_telegram) -> None:
    instance = make_instance("telegram", fake_telegram.url)
    body = body_of(fixture("telegram", "update__private_text"))
    assert post(client, instance.name, body, telegram_headers("wrong")).status_code == 401
    assert post(client, instance.name, body, {}).status_code == 401


def test_a_telegram_update_without_an_id_is_400(client, make_instance, fake_telegram) -> None:
    instance = make_instance("telegram", fake_telegram.url)
    assert post(client, instance.name, b'{"message": {}}', telegram_headers()).status_code == 400


def test_a_bad_whatsapp_signature_is_401(client, make_instance, fake_whatsapp) -> None:
    instance = make_instance("whatsapp", fake_whatsapp.url)
    body = body_of(fixture("whatsapp", "messages__text"))
    headers = meta_headers(body, secret="not-the-app-secret")
    assert post(client, instance.name, body, headers).status_code == 401


def test_nothing_is_stored_or_answered_after_bad_input(client, slack, fake_slack, idle) -> None:
    body = body_of(fixture("slack", "message__im"))
    post(client, slack.name, body.replace(b"Friday", b"Monday"), slack_headers(body))
    post(client, slack.name, b"{", slack_headers(b"{"))
    post(client, slack.name, body, {})
    idle()
    assert InboundEvent.objects.count() == 0
    assert fake_slack.requests == []


def test_an_authentic_event_we_do_not_handle_is_200_and_not_stored(client, slack) -> None:
    body = json.dumps({"type": "app_rate_limited", "minute_rate_limited": 1}).encode()
    assert post(client, slack.name, body, slack_headers(body)).status_code == 200
    assert InboundEvent.objects.count() == 0


def test_a_database_outage_is_503_so_the_platform_redelivers(client, slack, monkeypatch) -> None:
    from django.db import OperationalError

    from channels_app.webhooks import intake

    def broken(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(intake, "store_many", broken)
    body = body_of(fixture("slack", "message__im"))
    response = post(client, slack.name, body, slack_headers(body))
    assert response.status_code == 503 and response["Retry-After"]
