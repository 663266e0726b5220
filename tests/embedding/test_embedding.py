"""The gateway inside an existing Django project (tests/embedding/hostproject): our apps in its INSTALLED_APPS via
gatewaysite.embedding.configure, one include() under /gateway/, and embedding.mount() for the WebSocket endpoint.

Runs in its own process: the host project has its own settings, which pytest's Django cannot switch to in place.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    env = {
        **os.environ,
        "HOST_PROJECT_DB": str(tmp_path_factory.mktemp("host") / "host.sqlite3"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)  # the host project brings its own database
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "embedding" / "check_host.py")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_host_projects_own_pages_still_answer(observed: dict) -> None:
    assert observed["host_page"] == 200


def test_gateway_urls_live_under_the_prefix_and_are_reversed_there(observed: dict) -> None:
    assert observed["webhook_url"] == "/gateway/webhooks/slack-main/"
    assert observed["challenge"] == [200, "f9Qw2LxT7bNcR1pZ0aKsYhUe4mVd8JgO3iHtWqE6nBvC5"]
    assert observed["platform_url"] == [200, "slack-main"]
    assert observed["unsigned"] == 401 and observed["stored_events"] == 0
    assert observed["api_without_token"] == 401


def test_our_models_register_with_the_hosts_admin(observed: dict) -> None:
    assert "agents_app.Agent" in observed["admin_models"] and "agents_app.AgentRun" in observed["admin_models"]


def test_the_mounted_asgi_app_serves_our_websocket_under_the_prefix(observed: dict) -> None:
    socket = observed["websocket"]
    assert socket["connected"] is True
    assert socket["frames"][0]["type"] == "hello_error"  # our consumer answered (a wrong token is refused)
