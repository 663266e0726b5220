"""Run a snippet in a new interpreter with the gateway's settings: what a server process loads at start, measured
without anything the test process has imported already."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_in_fresh_process(source: str, data_dir: Path) -> str:
    """The snippet's standard output; the snippet's own failure fails the test (check=True)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "gatewaysite.settings",
        "GATEWAY_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(ROOT),
    }
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout
