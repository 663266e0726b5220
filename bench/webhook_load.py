"""Webhook load benchmark: signed Slack deliveries against a running gateway (embedded mode, offline `echo`
agent, a fake Slack on 127.0.0.1), at a fixed rate and at full speed.

Reports ack latency p50/p99, acks per second, time to delivered reply p50/p99, lost and duplicated replies,
and the server's peak memory (VmHWM). Usage:

    .venv/bin/python bench/webhook_load.py --rate 200 --duration 30
    .venv/bin/python bench/webhook_load.py --full-speed 3000 --concurrency 32
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.fake_slack import FakeSlack  # noqa: E402

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


def run(args: argparse.Namespace) -> dict:
    data = tempfile.mkdtemp(prefix="gateway-bench-")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(GATEWAY_DATA_DIR=data, SECRET_KEY="bench", GATEWAY_DISPATCH="embedded", LOG_LEVEL="WARNING")
    with FakeSlack() as slack:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        setup = SETUP.format(slack=slack.url, secret=SECRET)
        subprocess.run([sys.executable, "manage.py", "shell", "-c", setup], cwd=ROOT, env=env, check=True)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.channels_app.gateway_process", str(port)],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}/webhooks/bench/"
        try:
            for _ in range(300):
                try:
                    requests.get(f"http://127.0.0.1:{port}/health", timeout=0.5)
                    break
                except requests.RequestException:
                    time.sleep(0.1)
            sent_at: dict[int, float] = {}
            acks: list[float] = []
            statuses: dict[int, int] = {}
            lock = threading.Lock()
            local = threading.local()

            def send(i: int) -> None:
                session = getattr(local, "session", None) or requests.Session()
                local.session = session
                body, headers = delivery(i)
                start = time.monotonic()
                with lock:
                    sent_at[i] = start
                try:
                    status = session.post(url, data=body, headers=headers, timeout=10).status_code
                except requests.RequestException:
                    status = 0
                elapsed = time.monotonic() - start
                with lock:
                    acks.append(elapsed)
                    statuses[status] = statuses.get(status, 0) + 1

            began = time.monotonic()
            with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                if args.full_speed:
                    total = args.full_speed
                    list(pool.map(send, range(total)))
                else:
                    total = int(args.rate * args.duration)
                    for i in range(total):
                        target = began + i / args.rate
                        delay = target - time.monotonic()
                        if delay > 0:
                            time.sleep(delay)
                        pool.submit(send, i)
            ack_window = time.monotonic() - began
            slack.wait_for(total, "/chat.postMessage", timeout=args.drain)
            replies: dict[int, list[float]] = {}
            for request in slack.received("/chat.postMessage"):
                text = (request.json or {}).get("text", "")
                if text.startswith("load "):
                    replies.setdefault(int(text.split()[1]), []).append(request.at)
            memory = peak_memory_kb(server.pid)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(10)
    reply_latency = [min(times) - sent_at[i] for i, times in replies.items() if i in sent_at]
    return {
        "mode": "full speed" if args.full_speed else f"{args.rate}/s for {args.duration}s",
        "messages": total,
        "statuses": statuses,
        "ack_p50_ms": round(percentile(acks, 0.50) * 1000, 1),
        "ack_p99_ms": round(percentile(acks, 0.99) * 1000, 1),
        "acks_per_second": round(total / ack_window, 1),
        "reply_p50_ms": round(percentile(reply_latency, 0.50) * 1000, 1),
        "reply_p99_ms": round(percentile(reply_latency, 0.99) * 1000, 1),
        "lost": total - len(replies),
        "duplicated": sum(len(t) - 1 for t in replies.values()),
        "server_peak_rss_mb": round(memory / 1024, 1),
        "cpus": os.cpu_count(),
        "mean_ack_ms": round(statistics.fmean(acks) * 1000, 1) if acks else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200.0, help="deliveries per second (fixed-rate mode)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of fixed-rate load")
    parser.add_argument("--full-speed", type=int, default=0, help="send this many as fast as possible instead")
    parser.add_argument("--concurrency", type=int, default=32, help="client threads")
    parser.add_argument("--drain", type=float, default=120.0, help="seconds to wait for the last replies")
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
