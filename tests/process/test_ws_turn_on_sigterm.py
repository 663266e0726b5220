"""SIGTERM while a WebSocket turn is running: `rungateway` finishes the turn before it exits (within
GATEWAY_SHUTDOWN_TIMEOUT), stores the answer in the session's replay buffer, and a client that resumes the session
on the restarted gateway gets that answer exactly once — the model is not asked again. A turn still running when
the timeout ends is handed over: the next start answers it once, and a further restart does not answer it again."""

from __future__ import annotations

import asyncio
import json
import signal

import pytest
import websockets

from tests.e2e.config import WS_TOKEN, write_config
from tests.e2e.processes import Proc, base_env, free_port, manage, wait_http
from tests.fakes.fake_openai import FakeOpenAI, Reply
from tests.fakes.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(120)


def _gateway(tmp_path, config, log_name: str, shutdown_timeout: str = "15") -> tuple[Proc, int]:
    port = free_port()
    proc = Proc(
        "rungateway",
        manage("rungateway", "--config", str(config), "--host", "127.0.0.1", "--port", str(port)),
        base_env(tmp_path / "data", GATEWAY_SHUTDOWN_TIMEOUT=shutdown_timeout),
        tmp_path / log_name,
    ).start()
    wait_http(f"http://127.0.0.1:{port}/health", proc=proc)
    return proc, port


async def _frames_until(socket, predicate, wait: float = 10) -> list[dict]:
    frames = []
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), wait))
        frames.append(frame)
        if predicate(frame):
            return frames


async def _start_turn(port: int, llm: FakeOpenAI) -> tuple[str, int, object]:
    socket = await websockets.connect(f"ws://127.0.0.1:{port}/ws?token={WS_TOKEN}", open_timeout=10)
    await socket.send(json.dumps({"type": "hello", "agent_id": "slow", "protocol_min": 1, "protocol_max": 1}))
    [*_, hello] = await _frames_until(socket, lambda f: f["type"] in {"hello_ok", "hello_error"})
    assert hello["type"] == "hello_ok", hello
    await socket.send(json.dumps({"type": "message", "content": "Take your time", "request_id": "r-1"}))
    [*_, accepted] = await _frames_until(socket, lambda f: f.get("status") == "accepted")
    for _ in range(200):
        if llm.requests:
            break
        await asyncio.sleep(0.05)
    assert llm.requests, "the model was never asked"
    return hello["session_id"], accepted["cursor"], socket


async def _resume(port: int, session_id: str, since: int, wait: float = 2) -> list[dict]:
    """Every turn answer the resumed session receives until `wait` seconds pass without a frame."""
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws?token={WS_TOKEN}", open_timeout=10) as socket:
        hello = {"type": "hello", "agent_id": "slow", "session_id": session_id, "since": since}
        await socket.send(json.dumps({**hello, "protocol_min": 1, "protocol_max": 1}))
        finals = []
        try:
            while True:
                frame = json.loads(await asyncio.wait_for(socket.recv(), wait))
                assert frame["type"] != "hello_error", frame
                inner = frame.get("event", {}).get("data", {}) if frame["type"] == "replay" else frame
                if inner.get("type") == "response" and inner.get("status") == "final":
                    finals.append(inner)
        except TimeoutError:
            return finals


def test_a_websocket_turn_cut_by_sigterm_is_answered_once_after_the_restart(tmp_path) -> None:
    with FakeTelegram() as telegram, FakeOpenAI(default=Reply(text="Slow but delivered", delay=1.5)) as llm:
        config = write_config(tmp_path / "gateway.yaml", telegram.url, every="1h", slow_llm_url=llm.base_url)
        first, port = _gateway(tmp_path, config, "first.log")
        try:
            session_id, cursor, socket = asyncio.run(_start_turn(port, llm))
            first.signal(signal.SIGTERM)  # the model is still thinking
            assert first.wait(30) == 0, first.log()[-4000:]
        finally:
            first.stop()
        assert "Traceback" not in first.log(), first.log()[-4000:]

        second, port = _gateway(tmp_path, config, "second.log")
        try:
            finals = asyncio.run(_resume(port, session_id, cursor))
        finally:
            second.stop()
        assert [(f["content"], f["outcome"]["status"]) for f in finals] == [("Slow but delivered", "ok")], second.log()[
            -3000:
        ]
        assert len(llm.requests) == 1, "the answer came from the finished turn, not a second model call"


def test_a_websocket_turn_longer_than_the_shutdown_timeout_is_answered_once_after_the_restart(tmp_path) -> None:
    with FakeTelegram() as telegram, FakeOpenAI(default=Reply(text="Handed over", delay=3)) as llm:
        config = write_config(tmp_path / "gateway.yaml", telegram.url, every="1h", slow_llm_url=llm.base_url)
        first, port = _gateway(tmp_path, config, "first.log", shutdown_timeout="1")
        try:
            session_id, cursor, socket = asyncio.run(_start_turn(port, llm))
            first.signal(signal.SIGTERM)  # the model needs longer than the stop may take
            first.wait(30)
        finally:
            first.stop()
        assert "handed over" in first.log(), first.log()[-4000:]

        second, port = _gateway(tmp_path, config, "second.log")
        try:
            finals = asyncio.run(_resume(port, session_id, cursor, wait=8))
        finally:
            second.stop()
        answers = [(f["content"], f["outcome"]["status"], f.get("request_id")) for f in finals]
        assert answers == [("Handed over", "ok", "r-1")], second.log()[-3000:]
        assert len(llm.requests) == 2, "the cut turn was asked once more, on the restarted gateway"

        third, port = _gateway(tmp_path, config, "third.log")
        try:
            again = asyncio.run(_resume(port, session_id, finals[0]["cursor"]))
        finally:
            third.stop()
        assert again == [], third.log()[-3000:]
        assert len(llm.requests) == 2, "a further restart does not answer the handed-over turn again"


def test_turns_queued_behind_a_cut_turn_are_handed_over_too_and_answered_in_order(tmp_path) -> None:
    with FakeTelegram() as telegram, FakeOpenAI(default=Reply(text="In order", delay=3)) as llm:
        config = write_config(tmp_path / "gateway.yaml", telegram.url, every="1h", slow_llm_url=llm.base_url)
        first, port = _gateway(tmp_path, config, "first.log", shutdown_timeout="1")
        try:

            async def two_turns() -> tuple[str, int]:
                session_id, cursor, socket = await _start_turn(port, llm)
                await socket.send(json.dumps({"type": "message", "content": "And this", "request_id": "r-2"}))
                await _frames_until(socket, lambda f: f.get("status") == "accepted" and f.get("request_id") == "r-2")
                return session_id, cursor

            session_id, cursor = asyncio.run(two_turns())
            first.signal(signal.SIGTERM)  # r-1 is with the model, r-2 waits behind it
            first.wait(30)
        finally:
            first.stop()
        assert "2 WebSocket turn(s) handed over" in first.log(), first.log()[-4000:]

        second, port = _gateway(tmp_path, config, "second.log")
        try:
            finals = asyncio.run(_resume(port, session_id, cursor, wait=8))
        finally:
            second.stop()
        assert [(f.get("request_id"), f["outcome"]["status"]) for f in finals] == [("r-1", "ok"), ("r-2", "ok")], (
            second.log()[-3000:]
        )
        assert len(llm.requests) == 3, "r-1 asked again after the restart, r-2 asked once"
