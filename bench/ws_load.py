"""WebSocket plane load figures against a real `daphne gatewaysite.asgi:application` subprocess.

    .venv/bin/python bench/ws_load.py --skip-idle --skip-fanout --agent-count 50   # one agent per client
    .venv/bin/python bench/ws_load.py --skip-idle --skip-fanout --clients 1 --messages 50
    .venv/bin/python bench/ws_load.py --model echo          # the offline model (no HTTP, no SDK), labelled as such
    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/ws_load.py --distributed

(a) idle connections held by one process, with the server's memory per connection;
(b) message round trip: clients × messages, msgs/s, p50/p99, the server's CPU milliseconds per message and its peak
    memory. By default the agents call an OpenAI-compatible model over HTTP through the real `openai` SDK (a fake
    that answers at once, in its own process: bench/fake_model.py), so the figures include the SDK, the provider
    HTTP pool and the run record, as a deployment pays them;
(c) push fan-out of one publish to N subscribers: p50/p99 delivery latency.
The client runs in this process (asyncio + websockets), so on a small machine client and server share the CPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidMessage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import procstats  # noqa: E402
from bench.fake_model import ModelProcess  # noqa: E402

TOKEN = "bench-token"
SETUP = """
import django, sys
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from agents_app.models import Agent
from channels_app.models import GatewaySettings
gs = GatewaySettings.load()
gs.auth_token = sys.argv[1]
gs.push_enabled = True
gs.max_connections = 100000
gs.save()
model, base_url, count = sys.argv[2], sys.argv[3], int(sys.argv[4])
for name in ["bench"] + [f"bench{i}" for i in range(count)]:
    Agent.objects.update_or_create(name=name, defaults={"model": model, "base_url": base_url, "api_key": "sk-bench",
        "instructions": "Reply with one word."})
from channels_app.realtime.models import ConnectionLease, PushChannel
ConnectionLease.objects.all().delete()
PushChannel.objects.filter(name="fanout").delete()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


class Server:
    """One daphne process prepared with a token, push on, and an echo agent."""

    def __init__(self, distributed: bool, model: str = "echo", base_url: str = "", agents: int = 0) -> None:
        self.agent_args = [model, base_url, str(agents)]
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gatewaysite.settings", "LOG_LEVEL": "WARNING"}
        if not distributed:
            self.env.pop("DATABASE_URL", None)
            self.env.pop("REDIS_URL", None)
            self.env["GATEWAY_DATA_DIR"] = tempfile.mkdtemp(prefix="ws-bench-")
        self.env.setdefault("SECRET_KEY", "bench-secret-key")
        self.port = free_port()
        self.log_path = Path(tempfile.gettempdir()) / f"ws_load-daphne-{self.port}.log"

    def __enter__(self) -> Server:
        subprocess.run([sys.executable, "-c", SETUP, TOKEN, *self.agent_args], cwd=ROOT, env=self.env, check=True)
        daphne = str(Path(sys.executable).with_name("daphne"))
        self.proc = subprocess.Popen(
            [daphne, "-e", f"tcp:port={self.port}:interface=127.0.0.1", "gatewaysite.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log_path, "w"),  # noqa: SIM115 - lives as long as the server
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"daphne did not start; see {self.log_path}")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=15)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws?token={TOKEN}"


async def recv_type(ws: ClientConnection, type_: str) -> dict:
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("type") == type_:
            return frame


RETRIES = {"count": 0}


async def open_one(url: str) -> ClientConnection:
    for attempt in range(10):
        try:
            return await connect(url, open_timeout=60, ping_interval=None)
        except (OSError, InvalidMessage, TimeoutError):
            if attempt == 9:
                raise
            RETRIES["count"] += 1
            await asyncio.sleep(1 + attempt)
    raise AssertionError("unreachable")


async def settle(url: str) -> None:
    """Wait until the server answers a database-backed frame quickly again (after a burst of connects/disconnects)."""
    for _ in range(120):
        ws = await open_one(url)
        started = time.perf_counter()
        await ws.send(json.dumps({"type": "channel.list"}))  # goes through the database thread, like real work
        await recv_type(ws, "channel.list")
        await ws.close()
        if time.perf_counter() - started < 0.05:
            return
        await asyncio.sleep(0.5)


async def keepalive(ws: ClientConnection) -> None:
    """What an idle client does: answer the server's heartbeat pings (a silent socket is closed 4002)."""
    try:
        async for raw in ws:
            if json.loads(raw).get("type") == "ping":
                await ws.send(json.dumps({"type": "pong"}))
    except Exception:  # noqa: BLE001, S110 - closed at the end of the phase
        pass


async def idle(server: Server, count: int) -> dict:
    before = rss_kib(server.proc.pid)
    started = time.perf_counter()
    conns: list[ClientConnection] = []
    tasks: list[asyncio.Task[None]] = []
    sem = asyncio.Semaphore(20)

    async def one() -> None:
        async with sem:
            ws = await open_one(server.url)
            conns.append(ws)
            tasks.append(asyncio.create_task(keepalive(ws)))

    await asyncio.gather(*(one() for _ in range(count)))
    opened = time.perf_counter() - started
    await asyncio.sleep(1)
    await settle(server.url)
    after = rss_kib(server.proc.pid)
    still_open = sum(1 for task in tasks if not task.done())
    for ws in conns:
        await ws.close()
    return {
        "connections": count,
        "still_open": still_open,
        "open_seconds": round(opened, 2),
        "server_rss_mib": round(after / 1024, 1),
        "kib_per_connection": round((after - before) / count, 1),
        "handshake_retries": RETRIES["count"],
    }


async def round_trip(server: Server, clients: int, messages: int, agents: int = 0) -> dict:
    latencies: list[float] = []

    async def client(i: int) -> None:
        agent = f"bench{i % agents}" if agents else "bench"
        async with await open_one(server.url) as ws:
            await ws.send(json.dumps({"type": "hello", "agent_id": agent, "protocol_min": 1, "protocol_max": 1}))
            await recv_type(ws, "hello_ok")
            for n in range(messages):
                sent = time.perf_counter()
                await ws.send(json.dumps({"type": "message", "content": f"m{n}"}))
                while True:
                    frame = json.loads(await ws.recv())
                    if frame.get("type") == "response" and frame.get("status") == "final":
                        break
                latencies.append(time.perf_counter() - sent)

    cpu_before = procstats.cpu_seconds(server.proc.pid) or 0.0
    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    cpu = (procstats.cpu_seconds(server.proc.pid) or 0.0) - cpu_before
    return {
        "clients": clients,
        "agents": agents or 1,
        "messages": clients * messages,
        "msgs_per_s": round(clients * messages / elapsed, 1),
        "p50_ms": round(pct(latencies, 0.5), 1),
        "p99_ms": round(pct(latencies, 0.99), 1),
        "server_cpu_ms_per_msg": round(cpu * 1000 / (clients * messages), 2),
        "server_peak_rss_mb": procstats.peak_rss_mb([server.proc.pid]),
    }


async def fanout(server: Server, subscribers: int, publishes: int) -> dict:
    creator = await open_one(server.url)
    await creator.send(json.dumps({"type": "channel.create", "channel": "fanout"}))
    await recv_type(creator, "channel.created")
    await creator.close()
    sem = asyncio.Semaphore(20)

    async def subscriber(i: int) -> ClientConnection:
        """Connect, hello and subscribe in one go (a socket left silent would be closed 4002 by the liveness check)."""
        async with sem:
            ws = await open_one(server.url)
            await ws.send(json.dumps({"type": "hello", "agent_id": "bench", "client_id": f"sub-{i}"}))
            await recv_type(ws, "hello_ok")
            await ws.send(json.dumps({"type": "channel.subscribe", "channel": "fanout"}))
            await recv_type(ws, "channel.subscribed")
            return ws

    subs = await asyncio.gather(*(subscriber(i) for i in range(subscribers)))
    await settle(server.url)
    publisher = await open_one(server.url)
    conns = [publisher, *subs]
    latencies: list[float] = []
    for n in range(publishes):
        sent = time.perf_counter()

        async def receive(ws: ClientConnection, sent: float = sent) -> float:
            await recv_type(ws, "channel_message")
            return time.perf_counter() - sent

        waiting = [asyncio.create_task(receive(ws)) for ws in subs]
        await publisher.send(json.dumps({"type": "channel.publish", "channel": "fanout", "data": {"n": n}}))
        latencies += await asyncio.gather(*waiting)
    for ws in conns:
        await ws.close()
    return {
        "subscribers": subscribers,
        "publishes": publishes,
        "p50_ms": round(pct(latencies, 0.5), 1),
        "p99_ms": round(pct(latencies, 0.99), 1),
    }


async def main(args: argparse.Namespace) -> None:
    mode = "distributed (PostgreSQL + Redis)" if args.distributed else "embedded (SQLite + in-memory layer)"
    model = "echo (offline, no HTTP)" if args.model == "echo" else "HTTP fake OpenAI through the openai SDK"
    print(f"# ws_load — {mode}; model: {model}; {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"# load average before: {os.getloadavg()[0]:.2f}")
    with contextlib.ExitStack() as stack:
        base_url = "" if args.model == "echo" else stack.enter_context(ModelProcess())
        name = "echo" if args.model == "echo" else "gpt-4o-mini"
        server = stack.enter_context(Server(args.distributed, name, base_url, args.agent_count))
        print(f"# server log: {server.log_path}")
        if not args.skip_idle:
            print("idle:", json.dumps(await idle(server, args.idle)))
            await settle(server.url)
        if args.warmup:
            await round_trip(server, 1, args.warmup)  # first connections, imports and the provider's HTTP pool
        print("round trip:", json.dumps(await round_trip(server, args.clients, args.messages, args.agent_count)))
        if not args.skip_fanout:
            await settle(server.url)
            print("fan-out:", json.dumps(await fanout(server, args.subscribers, args.publishes)))
    print(f"# load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--distributed", action="store_true", help="use DATABASE_URL and REDIS_URL")
    parser.add_argument("--idle", type=int, default=5000)
    parser.add_argument("--skip-idle", action="store_true")
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument("--model", choices=["http", "echo"], default="http", help="http: fake OpenAI over HTTP")
    parser.add_argument("--agent-count", type=int, default=0, help="agents bench0..K-1, client i uses i %% K")
    parser.add_argument("--warmup", type=int, default=5, help="messages of one client before the measured load")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--publishes", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
