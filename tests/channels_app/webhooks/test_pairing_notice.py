"""unknown_user_policy: pair — the unknown sender gets no answer, and the owner is told once who asked."""

from __future__ import annotations

import pytest

from channels_app.models import InboundEvent
from tests.channels_app.support import body_of, django_headers, fixture, telegram_headers

pytestmark = pytest.mark.usefixtures("fast_pipeline")


def deliver(client, instance, update_id: int) -> None:
    payload = fixture("telegram", "update__private_text")
    payload["update_id"], payload["message"]["message_id"] = update_id, update_id
    response = client.post(
        f"/webhooks/{instance.name}/",
        body_of(payload),
        content_type="application/json",
        **django_headers(telegram_headers()),
    )
    assert response.status_code == 200


def test_the_owner_gets_one_direct_message_naming_the_unknown_sender(
    client, make_instance, fake_telegram, idle
) -> None:
    instance = make_instance(
        "telegram", fake_telegram.url, allowed_users=["5"], unknown_user_policy="pair", owner_user_id="987654321"
    )
    deliver(client, instance, 1001)
    deliver(client, instance, 1002)
    idle()
    fake_telegram.wait_for(1, "/sendMessage")
    assert len(fake_telegram.wait_for(2, "/sendMessage", timeout=1.0)) == 1  # no second notice comes
    [notice] = fake_telegram.messages()
    assert notice.json["chat_id"] == 987654321
    assert "alice_ng (id 111111111) asked to talk to telegram-main" in notice.json["text"]
    assert "add 111111111 to allowed_users" in notice.json["text"]
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {"ignored"}


def test_deny_tells_nobody(client, make_instance, fake_telegram, idle) -> None:
    instance = make_instance("telegram", fake_telegram.url, allowed_users=["5"], owner_user_id="987654321")
    deliver(client, instance, 1003)
    idle()
    assert fake_telegram.wait_for(1, "/sendMessage", timeout=1.0) == []
