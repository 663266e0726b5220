"""Webhook load benchmark: signed Slack deliveries against a running gateway (offline `echo` agent, a fake
Slack on 127.0.0.1), at a fixed rate and at full speed.

Reports ack latency p50/p99 (from the moment each request was due, so a client that falls behind shows as
latency, not as a lower rate), acks per second, time to delivered reply p50/p99, lost and duplicated
replies, the server's peak memory (VmHWM, server and its children), and the machine's load average.

The client is one asyncio loop with a pool of keep-alive connections (aiohttp), and the fake Slack runs in
its own process: neither competes with the other for a GIL, so the client can offer the rate it is asked.

Usage:
    .venv/bin/python bench/webhook_load.py --rate 200 --duration 30
    .venv/bin/python bench/webhook_load.py --full-speed 3000 --concurrency 64
    DATABASE_URL=postgresql://... REDIS_URL=redis://... .venv/bin/python bench/webhook_load.py --distributed
      (PostgreSQL + Redis + one Celery worker; the database named in DATABASE_URL is flushed first)
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import multiprocessing
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret"
SETUP = """
from agents_app.models import Agent
from channels_app.models import ChannelInstance
from routing.models import RoutingRule
agent = Agent.objects.create(name="echo", model="echo")
instance = ChannelInstance.objects.create(name="bench", platform="slack", api_base_url="{slack}",
    credentials={{"token": "xoxb-bench", "signing_secret": "{secret}"}}, options={{"sender_rate_limit": 0}})
RoutingRule.objects.create(instance=instance, context="default", agent=agent)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def delivery(i: int) -> tuple[bytes, dict[str, str]]:
    ts = f"1767300000.{i:06d}"
    payload = {
        "type": "event_callback",
        "team_id": "T0BENCH",
        "api_app_id": "A0BENCH",
        "event_id": f"EvBENCH{i:08d}",
        "event_time": 1767300000,
        "authorizations": [{"team_id": "T0BENCH", "user_id": "U0BOT", "is_bot": True}],
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": f"D{i % 500:06d}",
            "user": f"U{i:08d}",
            "text": f"load {i}",
            "ts": ts,
        },
    }
    body = json.dumps(payload, separators=(",", ":")).encode()
    stamp = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": sig}


def peak_memory_kb(pid: int) -> int:
    total = 0
    for candidate in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def fake_slack_process(urls: Any, commands: Any, results: Any) -> None:
    """Child process: serve a fake Slack, then hand back each received reply's text and arrival time."""
    from tests.fakes.fake_slack import FakeSlack

    with FakeSlack() as slack:
        urls.put(slack.url)
        while True:
            command = commands.get()
            if command is None:
                return
            count, timeout = command
            slack.wait_for(count, "/chat.postMessage", timeout=timeout)
            time.sleep(1.0)  # let a late duplicate show itself
            replies = [((r.json or {}).get("text", ""), r.at) for r in slack.received("/chat.postMessage") if r.status]
            results.put(replies)


@dataclass
class Offered:
    """What the client saw: each delivery's due time, ack latencies, status counts, the time it took, and
    (offset from the start, latency) per delivery."""

    due: dict[int, float]
    acks: list[float]
    statuses: dict[int, int]
    window: float
    timeline: list[tuple[float, float]]


async def offer(url: str, args: argparse.Namespace) -> Offered:
    """Send the deliveries at the asked rate (or as fast as the pool allows)."""
    due: dict[int, float] = {}
    acks: list[float] = []
    statuses: dict[int, int] = {}
    timeline: list[tuple[float, float]] = []
    total = args.full_speed or int(args.rate * args.duration)
    connector = aiohttp.TCPConnector(limit=args.concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    prepared = [delivery(i) for i in range(total)]  # signed up front: the client spends nothing per send
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        gate = asyncio.Semaphore(args.concurrency)

        async def send(i: int, when: float) -> None:
            body, headers = prepared[i]
            async with gate:
                if args.full_speed:
                    when = time.monotonic()  # full speed: latency of the request itself, not of the queue
                due[i] = when
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    status = 0
                acks.append(time.monotonic() - when)
                timeline.append((when - began, acks[-1]))
                statuses[status] = statuses.get(status, 0) + 1

        began = time.monotonic()
        tasks = []
        for i in range(total):
            when = began
            if not args.full_speed:
                when = began + i / args.rate
                delay = when - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(i, when)))
        await asyncio.gather(*tasks)
        window = time.monotonic() - began
    return Offered(due, acks, statuses, window, sorted(timeline))


def server_env(args: argparse.Namespace, data: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(GATEWAY_DATA_DIR=data, SECRET_KEY="bench", LOG_LEVEL="WARNING")
    if args.distributed:
        if not (env.get("DATABASE_URL") and env.get("REDIS_URL")):
            raise SystemExit("--distributed needs DATABASE_URL and REDIS_URL")
        env["GATEWAY_DISPATCH"] = "celery"
    else:
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        env["GATEWAY_DISPATCH"] = "embedded"
    if args.ack_only:
        env["GATEWAY_DISPATCH"] = "off"  # store and acknowledge only: isolates the ack path from the pipeline
    return env


def run(args: argparse.Namespace) -> dict[str, Any]:
    data = tempfile.mkdtemp(prefix="gateway-bench-")
    env = server_env(args, data)
    context = multiprocessing.get_context("spawn")
    urls, commands, results = context.Queue(), context.Queue(), context.Queue()
    fake = context.Process(target=fake_slack_process, args=(urls, commands, results), daemon=True)
    fake.start()
    slack_url = urls.get(timeout=30)
    processes: list[subprocess.Popen] = []
    try:
        manage = [sys.executable, "manage.py"]
        if args.distributed:
            subprocess.run([*manage, "flush", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=False)
            subprocess.run(["redis-cli", "-u", env["REDIS_URL"], "flushdb"], check=False, capture_output=True)
        subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        setup = SETUP.format(slack=slack_url, secret=SECRET)
        subprocess.run([*manage, "shell", "-v", "0", "-c", setup], cwd=ROOT, env=env, check=True)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.channels_app.gateway_process", str(port)],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        processes.append(server)
        if args.distributed:
            worker = [sys.executable, "-m", "celery", "-A", "gatewaysite", "worker", "-l", "warning"]
            worker += ["-P", "threads", "-c", str(args.worker_threads)]
            processes.append(subprocess.Popen(worker, cwd=ROOT, env=env, start_new_session=True))
        url = f"http://127.0.0.1:{port}/webhooks/bench/"
        wait_until_up(port)
        load_before = os.getloadavg()
        offered = asyncio.run(offer(url, args))
        due, acks, statuses, window = offered.due, offered.acks, offered.statuses, offered.window
        if args.latencies_csv:
            lines = (f"{offset:.4f},{latency * 1000:.2f}\n" for offset, latency in offered.timeline)
            Path(args.latencies_csv).write_text("".join(lines))
        total = len(due)
        commands.put((0 if args.ack_only else total, 0 if args.ack_only else args.drain))
        replies_raw = results.get(timeout=args.drain + 30)
        memory = sum(peak_memory_kb(p.pid) for p in processes)
        load_after = os.getloadavg()
    finally:
        commands.put(None)
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        fake.join(5)
    replies: dict[int, list[float]] = {}
    for text, at in replies_raw:
        if text.startswith("load "):
            replies.setdefault(int(text.split()[1]), []).append(at)
    reply_latency = [min(times) - due[i] for i, times in replies.items() if i in due]
    return {
        "mode": ("distributed (PostgreSQL + Redis + Celery)" if args.distributed else "embedded (SQLite)")
        + (" full speed" if args.full_speed else f" {args.rate:g}/s for {args.duration:g}s"),
        "messages": total,
        "statuses": statuses,
        "ack_p50_ms": round(percentile(acks, 0.50) * 1000, 1),
        "ack_p99_ms": round(percentile(acks, 0.99) * 1000, 1),
        "ack_max_ms": round(max(acks) * 1000, 1) if acks else None,
        "acks_per_second": round(total / window, 1),
        "reply_p50_ms": round(percentile(reply_latency, 0.50) * 1000, 1),
        "reply_p99_ms": round(percentile(reply_latency, 0.99) * 1000, 1),
        "lost": total - len(replies),
        "duplicated": sum(len(t) - 1 for t in replies.values()),
        "server_peak_rss_mb": round(memory / 1024, 1),
        "load_average_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
    }


def wait_until_up(port: int) -> None:
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the gateway did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200.0, help="deliveries per second (fixed-rate mode)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of fixed-rate load")
    parser.add_argument("--full-speed", type=int, default=0, help="send this many as fast as possible instead")
    parser.add_argument("--concurrency", type=int, default=64, help="connections in the client's pool")
    parser.add_argument("--drain", type=float, default=180.0, help="seconds to wait for the last replies")
    parser.add_argument("--distributed", action="store_true", help="PostgreSQL + Redis + a Celery worker")
    parser.add_argument("--latencies-csv", default="", help="write 'offset_s,ack_ms' per delivery to this file")
    parser.add_argument("--ack-only", action="store_true", help="no pipeline: measure store-and-ack alone")
    parser.add_argument("--worker-threads", type=int, default=8, help="Celery worker threads (distributed)")
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
