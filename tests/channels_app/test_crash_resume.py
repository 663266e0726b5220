"""Crash safety: the server is killed (SIGKILL) after it acknowledged a message and while the agent is still
running; after a restart the message is answered exactly once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.channels_app.support import SLACK_SECRET, body_of, fixture, slack_headers
from tests.fakes.fake_openai import FakeOpenAI
from tests.fakes.fake_slack import FakeSlack
from tests.fakes.llm_server import Reply

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
from agents_app.models import Agent
from channels_app.models import ChannelInstance
from routing.models import RoutingRule
agent = Agent.objects.create(name="slow", model="gpt-4o-mini", base_url="{llm}", api_key="sk-test")
instance = ChannelInstance.objects.create(name="slack-crash", platform="slack", api_base_url="{slack}",
    credentials={{"token": "xoxb-crash", "signing_secret": "{secret}"}})
RoutingRule.objects.create(instance=instance, context="default", agent=agent)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def start(env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.channels_app.gateway_process", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/health", timeout=0.5)
            return process
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("gateway did not start")


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return {
        **clean,
        "GATEWAY_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "crash-test",
        "GATEWAY_DISPATCH": "embedded",
        "GATEWAY_SWEEP_INTERVAL": "0",
        "PYTHONPATH": str(ROOT),
    }


def test_a_server_killed_mid_run_answers_exactly_once_after_restart(env) -> None:
    with FakeSlack() as slack, FakeOpenAI(default=Reply(text="Resumed answer")) as llm:
        llm.script(Reply(text="never delivered", delay=30))  # the first run hangs until we kill the server
        manage(env, "migrate", "-v", "0")
        manage(env, "shell", "-c", SETUP.format(llm=llm.base_url, slack=slack.url, secret=SLACK_SECRET))
        port = free_port()
        body = body_of(fixture("slack", "message__im"))
        url = f"http://127.0.0.1:{port}/webhooks/slack-crash/"

        server = start(env, port)
        assert requests.post(url, data=body, headers=slack_headers(body), timeout=5).status_code == 200
        deadline = time.monotonic() + 10
        while not llm.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert llm.requests, "the agent run never started"
        os.killpg(server.pid, signal.SIGKILL)  # acknowledged, agent mid-run, no reply yet
        server.wait(5)
        assert slack.posts() == []

        server = start(env, port)
        try:
            posts = slack.wait_for(1, "/chat.postMessage", timeout=20)
            # Slack's retry of the same event after the restart is a duplicate, not a second reply.
            retry = requests.post(url, data=body, headers={**slack_headers(body), "X-Slack-Retry-Num": "1"}, timeout=5)
            assert retry.status_code == 200
            time.sleep(0.5)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(5)
    assert len(posts) == 1
    assert len(slack.posts()) == 1
    assert slack.posts()[0].json["text"] == "Resumed answer"
