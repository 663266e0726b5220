"""Webhook load benchmark: signed Slack deliveries against a running gateway whose agent calls an OpenAI-compatible
model over HTTP through the real `openai` SDK (a fake that answers at once, in its own process; `--model echo` uses
the offline model instead and says so), with a fake Slack on 127.0.0.1, at a fixed rate or at full speed.

Reports ack latency p50/p99 (from the moment each request was due, so a client that falls behind shows as
latency, not as a lower rate), acks per second, time to delivered reply p50/p99, replies per second, lost and
duplicated replies, the CPU milliseconds the server spent per answered message, the server's peak memory (VmHWM,
server and its children), and the machine's load average.

The client is one asyncio loop with a pool of keep-alive connections (aiohttp); the fake Slack and the fake model
run in processes of their own: none competes with the server for its GIL.

`--distributed` runs PostgreSQL + Redis + Celery: Daphne, a Celery worker, Celery beat and a private Redis
(a redis-server on a free port, so its CPU is ours alone), and reports CPU ms per answered message for each kind of
process: daphne, worker, beat, the PostgreSQL backends connected to the bench's database, and Redis.

Usage:
    .venv/bin/python bench/webhook_load.py --full-speed 2000 --concurrency 50
    .venv/bin/python bench/webhook_load.py --rate 200 --duration 30 [--model echo]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gateway_bench .venv/bin/python bench/webhook_load.py \
        --distributed --full-speed 2000 --concurrency 50
      (the database named in DATABASE_URL is created if missing and flushed first: never point it at real data)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import procstats  # noqa: E402
from bench.fake_model import ModelProcess  # noqa: E402

SECRET = "bench-signing-secret"
SETUP = """
from agents_app.models import Agent
from channels_app.models import ChannelInstance
from routing.models import RoutingRule
agent = Agent.objects.create(name="bench", model="{model}", base_url="{base_url}", api_key="sk-bench",
    instructions="Answer briefly.")
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
        if not env.get("DATABASE_URL"):
            raise SystemExit("--distributed needs DATABASE_URL (a database the bench may flush)")
        env["GATEWAY_DISPATCH"] = "celery"
    else:
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        env["GATEWAY_DISPATCH"] = "embedded"
    if args.ack_only:
        env["GATEWAY_DISPATCH"] = "off"  # store and acknowledge only: isolates the ack path from the pipeline
    return env


def prepare_database(url: str) -> None:
    """Create the bench's PostgreSQL database when missing (it is flushed afterwards, so it must be the bench's own)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


class PostgresBackends:
    """Finder of the PostgreSQL backend processes connected to the bench's database (the monitor's own excluded)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.name = urlsplit(url).path.lstrip("/")
        self.conn = psycopg.connect(url, autocommit=True)

    def __call__(self) -> list[int]:
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [self.name]
        ).fetchall()
        return [row[0] for row in rows]

    def close(self) -> None:
        self.conn.close()


@contextlib.contextmanager
def private_redis() -> Iterator[tuple[str, subprocess.Popen]]:
    """A redis-server on a free loopback port, nothing persisted: its CPU is the bench's alone."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(port)
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        process.terminate()
        process.wait(10)


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=log.open("w")
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    data = tempfile.mkdtemp(prefix="gateway-bench-")
    env = server_env(args, data)
    context = multiprocessing.get_context("spawn")
    urls, commands, results = context.Queue(), context.Queue(), context.Queue()
    fake = context.Process(target=fake_slack_process, args=(urls, commands, results), daemon=True)
    fake.start()
    slack_url = urls.get(timeout=30)
    processes: dict[str, subprocess.Popen] = {}
    with contextlib.ExitStack() as stack:
        finders: dict[str, Callable[[], Iterable[int]]] = {}
        if args.distributed:
            redis_url, redis = stack.enter_context(private_redis())
            env["REDIS_URL"] = redis_url
            prepare_database(env["DATABASE_URL"])
            backends = PostgresBackends(env["DATABASE_URL"])
            stack.callback(backends.close)
        base_url = "" if args.model == "echo" else stack.enter_context(ModelProcess())
        model = "echo" if args.model == "echo" else "gpt-4o-mini"
        try:
            manage = [sys.executable, "manage.py"]
            if args.distributed:
                subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
                subprocess.run([*manage, "flush", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
            subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
            setup = SETUP.format(slack=slack_url, secret=SECRET, model=model, base_url=base_url)
            subprocess.run([*manage, "shell", "-v", "0", "-c", setup], cwd=ROOT, env=env, check=True)
            port = free_port()
            logs = Path(data)
            server = [sys.executable, "-m", "tests.channels_app.gateway_process", str(port)]
            processes["daphne" if args.distributed else "server"] = start(server, env, logs / "server.log")
            if args.distributed:
                worker = [sys.executable, "-m", "celery", "-A", "gatewaysite", "worker", "-l", "warning"]
                worker += ["-P", "threads", "-c", str(args.worker_threads)]
                processes["worker"] = start(worker, env, logs / "worker.log")
                beat = [sys.executable, "-m", "celery", "-A", "gatewaysite", "beat", "-l", "warning", "-S", "django"]
                beat += ["--schedule", str(logs / "beat-schedule")]
                processes["beat"] = start(beat, env, logs / "beat.log")
            for role, process in processes.items():
                finders[role] = functools.partial(procstats.tree, process.pid)
            if args.distributed:
                finders["postgres"] = backends
                finders["redis"] = functools.partial(procstats.tree, redis.pid)
            url = f"http://127.0.0.1:{port}/webhooks/bench/"
            wait_until_up(port)
            if args.distributed:
                time.sleep(args.warmup)  # the worker and beat finish starting before the meter starts
            meter = procstats.RoleMeter(finders)
            meter.start()
            load_before = os.getloadavg()
            offered = asyncio.run(offer(url, args))
            due, acks, statuses, window = offered.due, offered.acks, offered.statuses, offered.window
            if args.latencies_csv:
                lines = (f"{offset:.4f},{latency * 1000:.2f}\n" for offset, latency in offered.timeline)
                Path(args.latencies_csv).write_text("".join(lines))
            total = len(due)
            commands.put((0 if args.ack_only else total, 0 if args.ack_only else args.drain))
            replies_raw = results.get(timeout=args.drain + 30)
            cpu = meter.stop()
            memory = {role: procstats.peak_rss_mb(procstats.tree(p.pid)) for role, p in processes.items()}
            load_after = os.getloadavg()
        finally:
            commands.put(None)
            for process in processes.values():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
            for process in processes.values():
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
    answered = max(1, total if args.ack_only else len(replies))  # ack-only: CPU per acknowledged delivery
    last_reply = max((min(times) for times in replies.values()), default=0.0)
    first_due = min(due.values(), default=0.0)
    result: dict[str, Any] = {
        "mode": ("distributed (PostgreSQL + Redis + Celery)" if args.distributed else "embedded (SQLite)")
        + (
            f" full speed, {args.concurrency} concurrent"
            if args.full_speed
            else f" {args.rate:g}/s for {args.duration:g}s"
        ),
        "model": "echo (offline, no HTTP)" if args.model == "echo" else "HTTP fake OpenAI through the openai SDK",
        "messages": total,
        "statuses": statuses,
        "ack_p50_ms": round(percentile(acks, 0.50) * 1000, 1),
        "ack_p99_ms": round(percentile(acks, 0.99) * 1000, 1),
        "ack_max_ms": round(max(acks) * 1000, 1) if acks else None,
        "acks_per_second": round(total / window, 1),
        "reply_p50_ms": round(percentile(reply_latency, 0.50) * 1000, 1),
        "reply_p99_ms": round(percentile(reply_latency, 0.99) * 1000, 1),
        "replies_per_second": round(len(replies) / max(1e-9, last_reply - first_due), 1) if replies else 0.0,
        "lost": total - len(replies),
        "duplicated": sum(len(t) - 1 for t in replies.values()),
        "cpu_ms_per_message": {role: round(seconds * 1000 / answered, 2) for role, seconds in cpu.items()},
        "peak_rss_mb": memory,
        "load_average_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
    }
    if args.distributed:
        result["cpu_ms_per_message"]["total"] = round(sum(cpu.values()) * 1000 / answered, 2)
    return result


def wait_until_up(port: int) -> None:
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200.0, help="deliveries per second (fixed-rate mode)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of fixed-rate load")
    parser.add_argument("--full-speed", type=int, default=0, help="send this many as fast as possible instead")
    parser.add_argument("--concurrency", type=int, default=64, help="connections in the client's pool")
    parser.add_argument("--drain", type=float, default=180.0, help="seconds to wait for the last replies")
    parser.add_argument("--model", choices=["http", "echo"], default="http", help="http: fake OpenAI over HTTP")
    parser.add_argument("--distributed", action="store_true", help="PostgreSQL + Redis + Celery worker and beat")
    parser.add_argument("--latencies-csv", default="", help="write 'offset_s,ack_ms' per delivery to this file")
    parser.add_argument("--ack-only", action="store_true", help="no pipeline: measure store-and-ack alone")
    parser.add_argument("--worker-threads", type=int, default=8, help="Celery worker threads (distributed)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds for worker and beat to start (distributed)")
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
