"""RealtimeConfig: database values, then Django settings (read from the environment once, in gatewaysite/settings.py),\nand secrets resolved at use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from channels_app.models import GatewaySettings
from channels_app.realtime.config import load_config

ROOT = Path(__file__).resolve().parents[3]


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
def test_settings_given_as_text_override_the_database_in_the_fields_type(settings):
    # What gatewaysite/settings.py sets from GATEWAY_WS_<FIELD> environment variables.
    settings.GATEWAY_WS_HEARTBEAT_INTERVAL = "0.5"
    settings.GATEWAY_WS_PUSH_ENABLED = "true"
    settings.GATEWAY_WS_ALLOWED_ORIGINS = "https://a.example, https://b.example"
    settings.GATEWAY_WS_MAX_QUEUED_FRAMES = "7"
    config = load_config()
    assert config.heartbeat_interval == 0.5
    assert config.push_enabled is True
    assert config.allowed_origins == ("https://a.example", "https://b.example")
    assert config.max_queued_frames == 7


def test_settings_read_the_websocket_knobs_from_the_environment_once_at_start(tmp_path):
    env = {
        **os.environ,
        "GATEWAY_WS_HEARTBEAT_INTERVAL": "0.5",
        "GATEWAY_WS_MAX_BUFFERED_BYTES": "2048",
        "GATEWAY_WS_CONFIG_TTL": "7",
        "GATEWAY_DATA_DIR": str(tmp_path),
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.GATEWAY_WS_HEARTBEAT_INTERVAL, s.GATEWAY_WS_MAX_BUFFERED_BYTES, s.GATEWAY_WS_CONFIG_TTL, "
        "hasattr(s, 'GATEWAY_WS_ACK_TIMEOUT'))"
    )
    env["DJANGO_SETTINGS_MODULE"] = "gatewaysite.settings"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["0.5", "2048", "7.0", "False"]


@pytest.mark.django_db
def test_an_unset_token_reference_means_no_token(monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    gs = GatewaySettings.load()
    gs.auth_token = "${NOT_SET_ANYWHERE}"
    gs.save()
    assert load_config().auth_token is None
