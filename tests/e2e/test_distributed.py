"""End to end, distributed: two Daphnes, a Celery worker and beat over Redis and PostgreSQL, started by the test.

Runs when DATABASE_URL and REDIS_URL are set (CI sets both); skips only when they are not.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
import requests

from tests.e2e.checks import (
    assert_scheduled_message_arrives,
    post_webhook,
    replies_to,
    telegram_update,
    wait_for_reply,
    websocket_turn,
)
from tests.e2e.config import write_config
from tests.e2e.databases import scratch_database
from tests.e2e.processes import PYTHON, Proc, base_env, free_port, manage, wait_http
from tests.fakes.fake_openai import FakeOpenAI, Reply
from tests.fakes.fake_telegram import FakeTelegram

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.skipif(
        not (DATABASE_URL.startswith("postgres") and REDIS_URL), reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL"
    ),
]

SLOW_ANSWER = "Answer from the slow model"


@pytest.fixture
def fakes():
    with FakeTelegram() as telegram, FakeOpenAI(default=Reply(text=SLOW_ANSWER, delay=2.0)) as llm:
        yield telegram, llm


@pytest.fixture
def deployment(tmp_path, fakes):
    telegram, llm = fakes
    procs: list[Proc] = []
    with scratch_database(DATABASE_URL) as database_url:
        env = base_env(
            tmp_path / "data", DATABASE_URL=database_url, REDIS_URL=REDIS_URL, GATEWAY_SCHEDULE_LATE_SECONDS="30"
        )
        config = write_config(tmp_path / "gateway.yaml", telegram.url, every="3s", slow_llm_url=llm.base_url)
        subprocess.run(manage("migrate", "--noinput", "-v", "0"), env=env, check=True, timeout=180)
        subprocess.run(manage("import_gateway_yaml", str(config)), env=env, check=True, timeout=60)

        def start(name: str, args: list[str]) -> Proc:
            proc = Proc(name, args, env, tmp_path / f"{name}.log").start()
            procs.append(proc)
            return proc

        ports = [free_port(), free_port()]
        for index, port in enumerate(ports):
            daphne = start(
                f"daphne{index}",
                [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "gatewaysite.asgi:application"],
            )
            wait_http(f"http://127.0.0.1:{port}/health", proc=daphne)
        worker_args = [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "gatewaysite",
            "worker",
            "-l",
            "INFO",
            "-c",
            "2",
            "--without-gossip",
            "--without-mingle",
        ]
        start("worker1", worker_args)
        start(
            "beat",
            [PYTHON, "-m", "celery", "-A", "gatewaysite", "beat", "-S", "django", "-l", "INFO", "--max-interval", "1"],
        )
        try:
            yield {"ports": ports, "start": start, "worker_args": worker_args, "procs": procs, "env": env}
        finally:
            for proc in procs:
                proc.signal(signal.SIGTERM)  # all at once, then wait for each
            for proc in procs:
                proc.stop(timeout=10)
            for proc in procs:
                print(f"===== {proc.name} =====\n{proc.log()[-3000:]}")


def test_two_daphnes_a_worker_and_beat_serve_everything_and_survive_a_killed_worker(deployment, fakes) -> None:
    telegram, llm = fakes
    first, second = (f"http://127.0.0.1:{port}" for port in deployment["ports"])

    assert_scheduled_message_arrives(telegram, timeout=60)

    assert post_webhook(first, telegram_update(910001, "Webhook via the first Daphne")).status_code == 200
    wait_for_reply(telegram, "Webhook via the first Daphne", timeout=60)

    final = websocket_turn(f"ws://127.0.0.1:{deployment['ports'][1]}", "WebSocket via the second Daphne")
    assert final["content"] == "WebSocket via the second Daphne"

    # A message whose agent is slow; kill the worker while the model call is in flight, then start another.
    assert (
        post_webhook(second, telegram_update(910002, "Please think about this", chat_id=222), "tg-slow").status_code
        == 200
    )
    deadline = time.monotonic() + 30
    while not llm.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert llm.requests, "the worker never called the slow model"
    worker = next(proc for proc in deployment["procs"] if proc.name == "worker1")
    os.killpg(worker.popen.pid, signal.SIGKILL)
    worker.wait(10)
    assert replies_to(telegram, SLOW_ANSWER) == []
    deployment["start"]("worker2", deployment["worker_args"])

    wait_for_reply(telegram, SLOW_ANSWER, timeout=90)
    time.sleep(3)  # a duplicate would arrive within the slow model's delay
    assert len(replies_to(telegram, SLOW_ANSWER)) == 1

    for base in (first, second):
        assert requests.get(f"{base}/ready", timeout=5).status_code == 200
