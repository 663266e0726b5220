"""The REST import reads PraisonAI's files through the same translation and validation as the command."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels_app.models import ChannelInstance

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "gateway_yaml" / "praisonai"


def test_an_onboard_file_imports_over_the_api_with_its_warnings(api) -> None:
    text = (FIXTURES / "onboard_single.yaml").read_text()
    response = api.post("/api/v1/config/import", {"yaml": text}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["changed"] is True
    assert any(
        warning["field"] == "channels.slack.app_token" and "SLACK_APP_TOKEN" in warning["message"]
        for warning in body["warnings"]
    )
    assert ChannelInstance.objects.get(name="slack").credentials["app_token"] == "${SLACK_APP_TOKEN}"
