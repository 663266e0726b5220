"""The session-command settings (gateway.session_reset_commands, background_*) through /api/v1/gateway-settings."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_session_command_settings_are_read_and_written_through_the_api(api) -> None:
    changed = api.patch(
        "/api/v1/gateway-settings",
        {"session_reset_commands": ["/restart"], "background_notification_level": "all", "max_background_tasks": 3},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    body = api.get("/api/v1/gateway-settings").json()
    assert body["session_reset_commands"] == ["/restart"] and body["background_command"] == "/background"
    assert (body["background_notification_level"], body["max_background_tasks"]) == ("all", 3)
    wrong = api.patch("/api/v1/gateway-settings", {"background_notification_level": "loud"}, format="json")
    assert wrong.status_code == 400
