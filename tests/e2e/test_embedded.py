"""End to end, embedded: one `rungateway` process, a fake Telegram Bot API, a schedule, a webhook, a WebSocket."""

from __future__ import annotations

import signal

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
from tests.e2e.processes import Proc, base_env, free_port, manage, wait_http
from tests.fakes.fake_openai import FakeOpenAI, Reply
from tests.fakes.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def fake_telegram():
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def gateway(tmp_path, fake_telegram):
    port = free_port()
    config = write_config(tmp_path / "gateway.yaml", fake_telegram.url, every="2s")
    proc = Proc(
        "rungateway",
        manage("rungateway", "--config", str(config), "--host", "127.0.0.1", "--port", str(port)),
        base_env(tmp_path / "data", GATEWAY_SHUTDOWN_TIMEOUT="5"),
        tmp_path / "rungateway.log",
    ).start()
    try:
        wait_http(f"http://127.0.0.1:{port}/health", proc=proc)
        yield proc, port
    finally:
        proc.stop()
        print(proc.log()[-6000:])


def test_one_process_serves_schedules_webhooks_and_websockets_and_stops_cleanly(gateway, fake_telegram) -> None:
    proc, port = gateway
    base = f"http://127.0.0.1:{port}"

    assert_scheduled_message_arrives(fake_telegram)

    response = post_webhook(base, telegram_update(900001, "Hello from Telegram"))
    assert response.status_code == 200
    [reply] = wait_for_reply(fake_telegram, "Hello from Telegram")
    assert reply["chat_id"] == 111111111

    final = websocket_turn(f"ws://127.0.0.1:{port}", "Hello over WebSocket")
    assert final["content"] == "Hello over WebSocket"

    assert requests.get(f"{base}/ready", timeout=5).status_code == 200
    metrics = requests.get(f"{base}/metrics", timeout=5).text
    assert 'gateway_messages_in_total{platform="telegram",status="done"} 1.0' in metrics
    assert requests.get(f"{base}/static/admin/css/base.css", timeout=5).status_code == 200

    proc.signal(signal.SIGTERM)
    assert proc.wait(20) == 0, proc.log()[-4000:]
    assert "Gateway stopped" in proc.log()
    assert "Traceback" not in proc.log()


def test_sigterm_during_a_slow_agent_run_finishes_the_reply_before_exiting(tmp_path, fake_telegram) -> None:
    with FakeOpenAI(default=Reply(text="Slow but delivered", delay=1.5)) as llm:
        port = free_port()
        config = write_config(tmp_path / "gateway.yaml", fake_telegram.url, every="1h", slow_llm_url=llm.base_url)
        proc = Proc(
            "rungateway",
            manage("rungateway", "--config", str(config), "--host", "127.0.0.1", "--port", str(port)),
            base_env(tmp_path / "data", GATEWAY_SHUTDOWN_TIMEOUT="15"),
            tmp_path / "rungateway.log",
        ).start()
        try:
            wait_http(f"http://127.0.0.1:{port}/health", proc=proc)
            update = telegram_update(920001, "Take your time")
            assert post_webhook(f"http://127.0.0.1:{port}", update, "tg-slow").status_code == 200
            for _ in range(300):
                if llm.requests:
                    break
                proc.wait(0.05)
            assert llm.requests, proc.log()[-4000:]
            proc.signal(signal.SIGTERM)  # the model is still thinking
            assert proc.wait(30) == 0, proc.log()[-4000:]
            assert len(replies_to(fake_telegram, "Slow but delivered")) == 1
            assert "handed back" not in proc.log()
        finally:
            proc.stop()
