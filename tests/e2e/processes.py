"""Start real gateway processes for end-to-end tests: rungateway, daphne, celery worker and beat.

Each process logs to a file in the test's temporary folder (printed on failure), binds a free port, and is stopped by
the fixture that started it, by its own pid.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The test's environment for a child process; DATABASE_URL/REDIS_URL only when passed in `extra`."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        {
            "SECRET_KEY": "e2e-secret-key-not-for-production",
            "GATEWAY_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "gatewaysite.settings",
            "PYTHONUNBUFFERED": "1",
            "GATEWAY_SCHEDULER_TICK": "0.2",
            "GATEWAY_SWEEP_INTERVAL": "2",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(extra)
    return env


@dataclass
class Proc:
    """One child process and its log file."""

    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen | None = None
    _log: object = field(default=None, repr=False)

    def start(self) -> Proc:
        self._log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, signum: int) -> None:
        if self.running():
            self.popen.send_signal(signum)

    def wait(self, timeout: float) -> int | None:
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code."""
        if self.popen is None:
            return None
        if self.running():
            self.popen.send_signal(signal.SIGTERM)
            if self.wait(timeout) is None:
                self.popen.kill()
                self.wait(5)
        if self._log:
            self._log.close()
            self._log = None
        return self.popen.returncode


def wait_http(url: str, timeout: float = 60.0, proc: Proc | None = None) -> None:
    """Poll `url` until it answers 200 (or fail with the process log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and not proc.running():
            raise AssertionError(f"{proc.name} exited early:\n{proc.log()[-4000:]}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not come up in {timeout}s" + (f":\n{proc.log()[-4000:]}" if proc else ""))


def manage(*args: str) -> list[str]:
    return [PYTHON, str(ROOT / "manage.py"), *args]
