"""REST API benchmark: a real `rungateway` (temporary SQLite, offline `echo` agent) answering token-authenticated
requests — a paginated list read and an agent chat turn — sequentially and with concurrent clients.

Reports requests per second and latency p50/p95/p99 per request kind. The client uses a pool of keep-alive
connections in threads (requests), bounded in count, against 127.0.0.1 only.

Usage:
    .venv/bin/python bench/api_load.py [--requests 300] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.processes import Proc, base_env, free_port, manage, wait_http  # noqa: E402

SEED = """
from django.contrib.auth import get_user_model
from agents_app.models import Agent
from routing.api.models import ApiToken
user = get_user_model().objects.create_user("bench", password="bench-pass-123", is_staff=True)
for index in range(60):
    Agent.objects.create(name=f"agent-{index:02d}", model="echo")
_, raw = ApiToken.issue(user, "bench", ApiToken.Scope.ADMIN)
print("TOKEN=" + raw)
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run(kind: str, call, count: int, concurrency: int) -> None:
    """Issue `count` calls on `concurrency` threads; print rate and latency percentiles (ms)."""
    latencies: list[float] = []

    def one(_: int) -> None:
        started = time.perf_counter()
        call()
        latencies.append((time.perf_counter() - started) * 1000)

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(count)))
    elapsed = time.perf_counter() - began
    print(
        f"{kind:<28} c={concurrency:<3} n={count:<5} {count / elapsed:8.1f} req/s   "
        f"p50 {statistics.median(latencies):6.1f} ms  p95 {percentile(latencies, 0.95):6.1f} ms  "
        f"p99 {percentile(latencies, 0.99):6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="api-bench-"))
    env = base_env(data_dir, LOG_LEVEL="WARNING")
    subprocess.run(manage("migrate", "--noinput", "-v", "0"), cwd=ROOT, env=env, check=True)
    seeded = subprocess.run(manage("shell", "-c", SEED), cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    token = next(line for line in seeded.stdout.splitlines() if line.startswith("TOKEN="))[6:]
    port = free_port()
    args_ = manage("rungateway", "--host", "127.0.0.1", "--port", str(port), "--no-migrate", "--no-listeners")
    proc = Proc("rungateway", [*args_, "--no-schedules"], env, data_dir / "rungateway.log").start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/health", timeout=90, proc=proc)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        adapter = requests.adapters.HTTPAdapter(pool_connections=args.concurrency, pool_maxsize=args.concurrency)
        session.mount("http://", adapter)

        def list_agents() -> None:
            response = session.get(f"{base}/api/v1/agents/?page_size=50")
            assert response.status_code == 200, response.text

        def chat() -> None:
            response = session.post(f"{base}/api/v1/agents/agent-00/chat", json={"message": "ping"})
            assert response.status_code == 200 and response.json()["reply"] == "ping", response.text

        list_agents()  # warm-up
        for concurrency in (1, args.concurrency):
            run("GET /agents/ (50 per page)", list_agents, args.requests, concurrency)
            run("POST /agents/{name}/chat", chat, args.requests, concurrency)
    finally:
        proc.stop()


if __name__ == "__main__":
    main()
