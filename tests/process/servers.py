"""Start real `daphne gatewaysite.asgi:application` subprocesses on free ports for process-level tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DAPHNE = str(Path(sys.executable).with_name("daphne"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, deadline: float = 20.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"daphne exited with {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"daphne did not listen on {port}")


def child_env(env: dict[str, str | None]) -> dict[str, str]:
    """Our environment with `env` layered on; a None value removes the variable (e.g. DATABASE_URL for embedded)."""
    merged = {**os.environ}
    for key, value in env.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


SETUP = """
import django, os, sys
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from agents_app.models import Agent
from channels_app.models import GatewaySettings
gs = GatewaySettings.load()
gs.auth_token = sys.argv[1]
gs.push_enabled = True
gs.save()
Agent.objects.get_or_create(name="helper", defaults={"model": "echo"})
"""


def prepare_embedded(env: dict[str, str | None], token: str) -> None:
    """Migrate a fresh SQLite data dir and store the gateway token, push on, and an echo agent."""
    subprocess.run(
        [sys.executable, "-c", SETUP, token],
        cwd=ROOT,
        env=child_env({"DJANGO_SETTINGS_MODULE": "gatewaysite.settings", **env}),
        check=True,
        capture_output=True,
        timeout=120,
    )


def start_daphne(
    env: dict[str, str | None], endpoint: str, port: int, extra_args: tuple[str, ...] = ()
) -> subprocess.Popen:
    """Run daphne with `env` layered on ours; returns once the port accepts connections."""
    env = {"DJANGO_SETTINGS_MODULE": "gatewaysite.settings", **env}
    proc = subprocess.Popen(
        [DAPHNE, "-e", endpoint, "--proxy-headers", *extra_args, "gatewaysite.asgi:application"],
        cwd=ROOT,
        env=child_env(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_for_port(port, proc)
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
