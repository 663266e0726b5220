"""What the HTTP server itself costs per acknowledgement, beside what our whole acknowledgement costs.

Runs bench/webhook_load.py's client and signed Slack deliveries (default 2,000, 50 concurrent) against:
- `daphne`: `daphne bench.floor_app:application`, an ASGI app that reads the body and answers 200 at once: the
  floor of any gateway served the way ours is (`daphne gatewaysite.asgi:application`);
- `aiohttp`: the same empty answer on aiohttp's server, the one the Agentix gateway runs on;
- `gateway`: our gateway storing and acknowledging, nothing else (`webhook_load.py --ack-only`: verify the
  signature, parse, store through the intake writer, answer).

Each prints acks/s, ack p50/p99 and the server's CPU milliseconds per request, in alternating rounds (`--rounds`),
so a slow minute on a shared machine shows as spread rather than as a difference between servers.

Why: issue 12 asks for 1.5× the acknowledgements per second of a gateway on aiohttp. This shows how much of our
cost per acknowledgement is Daphne's before any of our code runs.

    .venv/bin/python bench/server_floor.py [--servers daphne,aiohttp,gateway] [--rounds 3] [--full-speed 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import procstats, webhook_load  # noqa: E402

DAPHNE = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "--verbosity", "0"]
COMMANDS = {
    "daphne": lambda port: [*DAPHNE, "-p", str(port), "bench.floor_app:application"],
    "aiohttp": lambda port: [sys.executable, "-m", "bench.floor_app", str(port)],
}


@contextlib.contextmanager
def empty_server(name: str) -> Iterator[tuple[int, int]]:
    """Start one of the empty servers; yields (port, pid)."""
    port = webhook_load.free_port()
    process = subprocess.Popen(
        COMMANDS[name](port), cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        webhook_load.wait_until_up(port)
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def measure_empty(name: str, args: argparse.Namespace) -> dict[str, Any]:
    with empty_server(name) as (port, pid):
        before = procstats.cpu_seconds(pid) or 0.0
        offered = asyncio.run(webhook_load.offer(f"http://127.0.0.1:{port}/webhooks/bench/", args))
        spent = (procstats.cpu_seconds(pid) or 0.0) - before
    answered = offered.statuses.get(200, 0)
    return {
        "statuses": {str(code): count for code, count in sorted(offered.statuses.items())},
        "acks_per_second": round(len(offered.acks) / offered.window, 1),
        "ack_p50_ms": round(webhook_load.percentile(offered.acks, 0.50) * 1000, 1),
        "ack_p99_ms": round(webhook_load.percentile(offered.acks, 0.99) * 1000, 1),
        "cpu_ms_per_request": round(spent * 1000 / max(1, answered), 3),
    }


def measure_gateway(args: argparse.Namespace) -> dict[str, Any]:
    options = argparse.Namespace(
        rate=0.0, duration=0.0, full_speed=args.full_speed, concurrency=args.concurrency, drain=30.0, model="http",
        distributed=False, latencies_csv="", ack_only=True, worker_threads=8, warmup=0.0,
    )  # fmt: skip
    result = webhook_load.run(options)
    return {
        "statuses": result["statuses"],
        "acks_per_second": result["acks_per_second"],
        "ack_p50_ms": result["ack_p50_ms"],
        "ack_p99_ms": result["ack_p99_ms"],
        "cpu_ms_per_request": result["cpu_ms_per_message"]["server"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", default="daphne,aiohttp,gateway", help="comma-separated, run in this order")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds over the servers")
    parser.add_argument("--full-speed", type=int, default=2000, help="deliveries per run")
    parser.add_argument("--concurrency", type=int, default=50, help="connections in the client's pool")
    args = parser.parse_args()
    args.rate, args.duration = 0.0, 0.0
    servers = [name.strip() for name in args.servers.split(",") if name.strip()]
    unknown = set(servers) - {*COMMANDS, "gateway"}
    if unknown:
        parser.error(f"unknown server(s): {', '.join(sorted(unknown))}")
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
    for _ in range(args.rounds):
        for name in servers:
            runs[name].append(measure_gateway(args) if name == "gateway" else measure_empty(name, args))
    load = os.getloadavg()
    print(json.dumps({
        "deliveries": args.full_speed,
        "concurrency": args.concurrency,
        "runs": runs,
        "cpu_ms_per_request_range": {
            name: [min(r["cpu_ms_per_request"] for r in results), max(r["cpu_ms_per_request"] for r in results)]
            for name, results in runs.items()
        },
        "acks_per_second_range": {
            name: [min(r["acks_per_second"] for r in results), max(r["acks_per_second"] for r in results)]
            for name, results in runs.items()
        },
        "load_average_after": [round(value, 2) for value in load[:2]],
        "cpus": os.cpu_count(),
        "cpu_model": webhook_load.cpu_model(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
