"""The same end-to-end path in the distributed mode: PostgreSQL, Redis broker, a real Celery worker process.
A worker killed mid-run is replaced and the message is still answered exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from channels_app.models import InboundEvent
from tests.channels_app.support import body_of, django_headers, fixture, slack_headers
from tests.fakes.fake_openai import FakeOpenAI
from tests.fakes.llm_server import Reply

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")),
    reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL",
)


def start_worker(queue: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "GATEWAY_DISPATCH": "celery",
        "SECRET_KEY": "distributed-test",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "gatewaysite", "worker", "-P", "solo", "-Q", queue, "-l", "warning"]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    os.killpg(worker.pid, sig)
    worker.wait(10)


@pytest.fixture
def queue(settings):
    from gatewaysite.celery import app

    name = f"gw-test-{os.getpid()}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = name
    settings.GATEWAY_DISPATCH = "celery"
    yield name
    app.conf.task_default_queue = previous


def test_a_slack_message_is_answered_once_through_celery(client, make_instance, fake_slack, queue) -> None:
    assert django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    instance = make_instance("slack", fake_slack.url)
    worker = start_worker(queue)
    try:
        body = body_of(fixture("slack", "message__im"))
        for _ in range(3):  # the delivery and two Slack retries
            response = client.post(
                f"/webhooks/{instance.name}/",
                body,
                content_type="application/json",
                **django_headers(slack_headers(body)),
            )
            assert response.status_code == 200
        posts = fake_slack.wait_for(1, "/chat.postMessage", timeout=30)
    finally:
        stop(worker)
    assert len(posts) == 1 and len(fake_slack.posts()) == 1
    assert InboundEvent.objects.get().status == "done"


def test_a_worker_killed_mid_run_is_replaced_and_answers_once(client, make_instance, fake_slack, queue) -> None:
    from agents_app.models import Agent
    from routing.models import RoutingRule

    with FakeOpenAI(default=Reply(text="Answer after the crash")) as llm:
        llm.script(Reply(text="lost", delay=60))
        instance = make_instance("slack", fake_slack.url)
        slow = Agent.objects.create(name="slow", model="gpt-4o-mini", base_url=llm.base_url, api_key="sk-test")
        RoutingRule.objects.filter(instance=instance).update(agent=slow)
        first = start_worker(queue)
        body = body_of(fixture("slack", "message__im"))
        response = client.post(
            f"/webhooks/{instance.name}/", body, content_type="application/json", **django_headers(slack_headers(body))
        )
        assert response.status_code == 200
        deadline = time.monotonic() + 30
        while not llm.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert llm.requests, "the first worker never started the agent run"
        stop(first, signal.SIGKILL)
        assert fake_slack.posts() == []
        second = start_worker(queue)
        try:
            posts = fake_slack.wait_for(1, "/chat.postMessage", timeout=30)
            time.sleep(0.5)
        finally:
            stop(second)
    assert len(posts) == 1 and len(fake_slack.posts()) == 1
    assert fake_slack.posts()[0].json["text"] == "Answer after the crash"
