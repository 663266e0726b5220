"""The gateway token when none is configured: generated on a loopback bind (shown once, masked after), refused
elsewhere; and the generated token works for WebSocket and REST clients like a configured one."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from channels_app.models import GatewaySettings
from channels_app.realtime.config import read_config
from routing.serving.access import MissingAuthToken, startup_auth_lines


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_a_loopback_start_without_a_token_generates_one_and_prints_it_in_full_only_once(data_dir) -> None:
    first = "\n".join(startup_auth_lines("", "127.0.0.1"))
    token = (data_dir / "gateway_auth_token").read_text().strip()
    assert token in first and "only this once" in first
    assert oct((data_dir / "gateway_auth_token").stat().st_mode & 0o777) == "0o600"
    later = "\n".join(startup_auth_lines("", "localhost"))
    assert token not in later and token[:6] in later and token[-4:] in later


def test_a_non_loopback_bind_without_a_token_is_refused(data_dir, monkeypatch) -> None:
    with pytest.raises(MissingAuthToken, match="refusing to listen on 0.0.0.0"):
        startup_auth_lines("", "0.0.0.0")
    monkeypatch.delenv("GW_TOKEN_UNSET", raising=False)
    with pytest.raises(MissingAuthToken, match="GW_TOKEN_UNSET is not set"):
        startup_auth_lines("${GW_TOKEN_UNSET}", "192.0.2.10")
    assert not (data_dir / "gateway_auth_token").exists()


def test_a_configured_token_is_only_ever_shown_masked(data_dir) -> None:
    lines = startup_auth_lines("a-configured-secret-token", "0.0.0.0")
    assert "a-configured-secret-token" not in "\n".join(lines)


@pytest.mark.django_db
def test_rungateway_refuses_to_start_on_a_public_bind_without_a_token(data_dir) -> None:
    with pytest.raises(CommandError, match="refusing to listen on 0.0.0.0"):
        call_command("rungateway", "--host", "0.0.0.0", "--port", "9", "--no-migrate")


@pytest.mark.django_db
def test_the_generated_token_is_the_gateway_token_for_websocket_and_rest_clients(data_dir, client) -> None:
    startup_auth_lines("", "127.0.0.1")
    token = (data_dir / "gateway_auth_token").read_text().strip()
    assert GatewaySettings.load().auth_token == ""
    assert read_config().auth_token == token
    info = client.get("/info", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert info.status_code == 200 and info.json()["scopes"] == ["read", "write", "admin"]


@pytest.mark.django_db
def test_the_generated_token_works_when_the_configured_token_variable_is_unset(data_dir, client, monkeypatch) -> None:
    # examples/gateway.yaml says auth_token: ${GATEWAY_AUTH_TOKEN}; `make run` without it generates and prints a token.
    monkeypatch.delenv("GW_TOKEN_UNSET", raising=False)
    GatewaySettings.objects.update_or_create(pk=GatewaySettings.load().pk, defaults={"auth_token": "${GW_TOKEN_UNSET}"})
    startup_auth_lines("${GW_TOKEN_UNSET}", "127.0.0.1")
    token = (data_dir / "gateway_auth_token").read_text().strip()
    assert read_config().auth_token == token
    assert client.get("/api/v1/agents/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
