"""SDK clients live as long as their event loop: the pipeline's per-turn loops must not leak connections."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync

from agents_app.models import Agent
from agents_app.runtime import run_agent
from agents_app.runtime.providers.clients import open_client_count
from tests.fakes.fake_openai import FakeOpenAI

pytestmark = pytest.mark.django_db(transaction=True)


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to count descriptors")
def test_turns_on_fresh_loops_close_their_clients_and_sockets(fake_openai: FakeOpenAI) -> None:
    # Long-lived loops (the pipeline's agent loop, kept open by earlier tests in this process) keep their clients.
    kept = open_client_count()
    agent = Agent.objects.create(name="support", model="llama3", base_url=fake_openai.base_url)
    async_to_sync(run_agent)(agent, [], "warm up")
    before = open_descriptors()

    with ThreadPoolExecutor(4) as pool:
        texts = list(pool.map(lambda i: async_to_sync(run_agent)(agent, [], f"m{i}").text, range(40)))

    assert texts == ["ok"] * 40
    assert open_client_count() == kept
    # 40 leaked sockets would show; the pool threads keep their own database connections (a few descriptors each).
    assert open_descriptors() - before < 20


def test_a_server_without_an_anthropic_agent_never_loads_the_anthropic_sdk() -> None:
    """The Anthropic SDK is ~75 MB of resident memory: a server loads it only when an Anthropic agent first runs."""
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import django, sys; django.setup(); import gatewaysite.asgi; "
        "from agents_app.runtime import run_agent; print('anthropic' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gatewaysite.settings"}
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", probe], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr[-2000:]


def test_an_embedded_server_never_loads_the_postgresql_driver() -> None:
    """psycopg (~9 MB) comes in through Django REST framework's optional PostgreSQL fields; SQLite needs none of it."""
    import subprocess
    import sys
    from pathlib import Path

    probe = "import django, sys; django.setup(); import gatewaysite.asgi; print('psycopg' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "gatewaysite.settings"
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", probe], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr[-2000:]
