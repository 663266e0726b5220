"""Per-turn overhead of the agent runtime over a bare SDK call, against an instant fake OpenAI-compatible server.

    .venv/bin/python bench/agent_overhead.py [--turns 1000]

Both paths hit the same fake (a separate process on 127.0.0.1, so its CPU does not share our GIL) with the same
request. The bare path is `AsyncOpenAI.chat.completions.create`; the runtime path is `run_agent` for an agent
with instructions, one guardrail-free model call, and its run record written to the database (SQLite in a temp
folder unless DATABASE_URL is set). Turns alternate between the two paths so machine noise hits both alike.
Prints median and p99 of each and the difference (the runtime's overhead).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gatewaysite.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
if not os.environ.get("DATABASE_URL"):
    os.environ["GATEWAY_DATA_DIR"] = tempfile.mkdtemp(prefix="agent-bench-")

FAKE = (
    "from tests.fakes.fake_openai import FakeOpenAI, Reply\n"
    "import time\n"
    "server = FakeOpenAI(default=Reply(text='pong')).start()\n"
    "print(server.port, flush=True)\n"
    "time.sleep(10**6)\n"
)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def measure(base_url: str, turns: int) -> tuple[list[float], list[float]]:
    import openai

    from agents_app.models import Agent
    from agents_app.runtime import run_agent

    agent = await Agent.objects.acreate(
        name="bench", instructions="You are a benchmark.", model="bench-model", base_url=base_url
    )
    bare_client = openai.AsyncOpenAI(api_key="not-needed", base_url=base_url, max_retries=0)
    messages = [{"role": "system", "content": "You are a benchmark."}, {"role": "user", "content": "ping"}]

    async def bare() -> None:
        await bare_client.chat.completions.create(model="bench-model", messages=messages, max_tokens=1024)

    async def runtime() -> None:
        await run_agent(agent, [], "ping")

    for _ in range(50):  # warm both paths: connection pools, ORM, imports
        await bare()
        await runtime()
    bare_ms: list[float] = []
    runtime_ms: list[float] = []
    for _ in range(turns):
        start = time.perf_counter()
        await bare()
        bare_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        await runtime()
        runtime_ms.append((time.perf_counter() - start) * 1000)
    return bare_ms, runtime_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=1000)
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from agents_app.models import Agent, AgentRun

    Agent.objects.filter(name="bench").delete()
    fake = subprocess.Popen([sys.executable, "-c", FAKE], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert fake.stdout is not None
        port = int(fake.stdout.readline())
        bare_ms, runtime_ms = asyncio.run(measure(f"http://127.0.0.1:{port}/v1", args.turns))
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    runs = AgentRun.objects.filter(agent_name="bench").count()
    Agent.objects.filter(name="bench").delete()

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    print(
        f"machine: {os.cpu_count()} CPUs, {cpu}; database: {'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'}"
    )
    print(f"turns: {args.turns} (after 50 warm-up turns per path); run records written: {runs}")
    for label, values in (("bare SDK call", bare_ms), ("run_agent", runtime_ms)):
        print(f"{label:>14}: median {statistics.median(values):6.2f} ms   p99 {percentile(values, 0.99):6.2f} ms")
    overhead_median = statistics.median(runtime_ms) - statistics.median(bare_ms)
    overhead_p99 = percentile(runtime_ms, 0.99) - percentile(bare_ms, 0.99)
    print(f"{'overhead':>14}: median {overhead_median:6.2f} ms   p99 {overhead_p99:6.2f} ms")


if __name__ == "__main__":
    main()
