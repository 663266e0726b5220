"""The channel instance admin: how each instance receives and why, and pause / resume / reconnect actions."""

from __future__ import annotations

import pytest

from channels_app.models import ChannelInstance

pytestmark = pytest.mark.django_db

URL = "/admin/channels_app/channelinstance/"


@pytest.fixture
def telegram(db) -> ChannelInstance:
    return ChannelInstance.objects.create(name="tg", platform="telegram", credentials={"token": "1:x"})


def test_the_change_page_says_how_a_token_only_telegram_bot_receives_and_why(admin_client, telegram) -> None:
    page = admin_client.get(f"{URL}{telegram.pk}/change/").content.decode()
    assert "receives by" in page.lower()
    assert "poll: no secret_token, so webhook deliveries could not be verified: long polling" in page


def test_pause_and_resume_actions(admin_client, telegram) -> None:
    response = admin_client.post(URL, {"action": "pause_instances", "_selected_action": [telegram.pk]}, follow=True)
    assert "paused: messages are stored, not answered" in response.content.decode()
    telegram.refresh_from_db()
    assert telegram.paused is True
    admin_client.post(URL, {"action": "resume_instances", "_selected_action": [telegram.pk]})
    telegram.refresh_from_db()
    assert telegram.paused is False


def test_reconnect_action_restarts_the_listener(admin_client, telegram) -> None:
    before = telegram.updated_at
    response = admin_client.post(URL, {"action": "reconnect_instances", "_selected_action": [telegram.pk]}, follow=True)
    assert "telegram_poll listener restarts" in response.content.decode()
    telegram.refresh_from_db()
    assert telegram.updated_at > before
