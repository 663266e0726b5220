"""The inbound/outbound log is visible in the admin, read-only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from channels_app.models import InboundEvent, OutboundMessage


@pytest.fixture
def admin_client(client, transactional_db):
    user = User.objects.create_superuser("root", "root@example.com", "pw-not-used-anywhere")
    client.force_login(user)
    return client


def test_the_log_pages_render_and_cannot_be_edited(admin_client, make_instance) -> None:
    instance = make_instance("slack")
    event = InboundEvent.objects.create(instance=instance, dedupe_key="event:Ev1", chat_id="C1", status="done")
    OutboundMessage.objects.create(
        instance=instance, inbound=event, idempotency_key="reply:1:0", chat_id="C1", text="hi"
    )
    assert admin_client.get("/admin/channels_app/inboundevent/").status_code == 200
    assert admin_client.get(f"/admin/channels_app/inboundevent/{event.pk}/change/").status_code == 200
    assert admin_client.get("/admin/channels_app/outboundmessage/").status_code == 200
    assert admin_client.get("/admin/channels_app/inboundevent/add/").status_code == 403
