"""bench/server_floor.py, the README's evidence for what Daphne itself costs per acknowledgement, runs end to end:
each server answers every signed delivery and a CPU figure comes back for each."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(180)
def test_the_floor_bench_measures_every_server_it_names() -> None:
    command = [sys.executable, "bench/server_floor.py", "--rounds", "1", "--full-speed", "300", "--concurrency", "8"]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=170)
    assert finished.returncode == 0, finished.stderr[-2000:]
    report = json.loads(finished.stdout)
    assert set(report["runs"]) == {"daphne", "aiohttp", "gateway"}
    for name, (run,) in report["runs"].items():
        assert run["statuses"] == {"200": 300}, name
        assert run["acks_per_second"] > 0, name
        assert run["cpu_ms_per_request"] > 0, name  # 300 requests are well over one clock tick on any server


def test_an_unknown_server_is_refused_by_name() -> None:
    command = [sys.executable, "bench/server_floor.py", "--servers", "daphne,nginx"]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 2
    assert "unknown server(s): nginx" in finished.stderr
