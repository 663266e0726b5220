"""The Procfile and systemd units name commands, apps and tasks that exist (they drift silently otherwise)."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management import get_commands
from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_FILES = [ROOT / "Procfile", *sorted((ROOT / "deploy" / "systemd").glob("*.service"))]


def _command_lines() -> list[str]:
    lines = []
    for path in DEPLOY_FILES:
        for line in path.read_text().splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if path.name == "Procfile" or line.startswith(("ExecStart=", "ExecStartPre=")):
                lines.append(line)
    return lines


def test_every_management_command_named_in_the_deploy_files_exists() -> None:
    named = {match for line in _command_lines() for match in re.findall(r"manage\.py (\w+)", line)}
    assert named >= {"migrate", "run_listeners", "rungateway"}
    assert named <= set(get_commands())


def test_the_asgi_application_and_celery_app_they_name_import() -> None:
    text = "\n".join(_command_lines())
    assert "gatewaysite.asgi:application" in text
    assert import_string("gatewaysite.asgi.application") is not None
    assert "celery -A gatewaysite beat -S django" in text
    celery_app = import_string("gatewaysite.celery.app")
    celery_app.loader.import_default_modules()
    assert "routing.tasks.fire_schedule" in celery_app.tasks


def test_every_daphne_in_the_deploy_files_accepts_the_frames_rungateway_accepts() -> None:
    from routing.serving.server import WEBSOCKET_MAX_MESSAGE_SIZE

    daphnes = [line for line in _command_lines() if "daphne " in line]
    assert daphnes
    for line in daphnes:
        assert f"--websocket-max-message-size {WEBSOCKET_MAX_MESSAGE_SIZE}" in line, line
        assert f"--websocket-max-frame-size {WEBSOCKET_MAX_MESSAGE_SIZE}" in line, line
