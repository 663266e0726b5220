"""RealtimeConfig: database values, then environment variables, then Django settings, and secrets resolved at use."""

from __future__ import annotations

import pytest

from channels_app.models import GatewaySettings
from channels_app.realtime.config import load_config


@pytest.mark.django_db
def test_it_reads_gateway_settings_and_push_options(settings):
    del settings.GATEWAY_WS_HEARTBEAT_INTERVAL, settings.GATEWAY_WS_ACK_TIMEOUT
    gs = GatewaySettings.load()
    gs.heartbeat_interval = 12
    gs.max_connections = 7
    gs.allowed_origins = ["https://a.example"]
    gs.push_options = {"ack_timeout": 4, "max_retries": 9}
    gs.save()
    config = load_config()
    assert (config.heartbeat_interval, config.max_connections, config.allowed_origins) == (
        12.0,
        7,
        ("https://a.example",),
    )
    assert (config.ack_timeout, config.max_retries, config.retention_seconds) == (4.0, 9, 86400.0)


@pytest.mark.django_db
def test_environment_variables_override_the_database(monkeypatch, settings):
    del settings.GATEWAY_WS_HEARTBEAT_INTERVAL
    monkeypatch.setenv("GATEWAY_WS_HEARTBEAT_INTERVAL", "0.5")
    monkeypatch.setenv("GATEWAY_WS_PUSH_ENABLED", "true")
    monkeypatch.setenv("GATEWAY_WS_ALLOWED_ORIGINS", "https://a.example, https://b.example")
    config = load_config()
    assert config.heartbeat_interval == 0.5
    assert config.push_enabled is True
    assert config.allowed_origins == ("https://a.example", "https://b.example")


@pytest.mark.django_db
def test_an_unset_token_reference_means_no_token(monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    gs = GatewaySettings.load()
    gs.auth_token = "${NOT_SET_ANYWHERE}"
    gs.save()
    assert load_config().auth_token is None
