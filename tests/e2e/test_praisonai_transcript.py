"""PraisonAI's own clients and CLI against a real `rungateway`, replayed from a recording of a live run.

tests/fixtures/praisonai/transcript.json holds every frame and HTTP exchange of PraisonAI 4.7.19 / praisonai-bot
0.1.16 (websockets 13.1) — `praisonai gateway status --json`, `test --check-runtime`, `pause/resume/reconnect --url`,
GatewayClient (ask, drop, resume, replay, duplicate) and PushClient (subscribe, drop, a publish while it reconnects,
HTTP polling with poll_token) — recorded by tests/e2e/praisonai/record.py. PraisonAI cannot be installed next to our
pins (it needs openai 2.x), so this test plays the client side of the recording against a fresh gateway and checks that
every answer still carries what PraisonAI's code read, with the same values (ids, times and tokens excepted).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.e2e.processes import Proc, base_env, free_port, manage

HERE = Path(__file__).resolve().parent
TRANSCRIPT = HERE.parent / "fixtures" / "praisonai" / "transcript.json"
CONFIG = HERE / "praisonai" / "gateway.yaml"
TOKEN = "praisonai-e2e-token"
# Values that differ on every run: compared for presence and type, and mapped so later requests reuse the live ones.
VOLATILE = {
    "session_id",
    "event_id",
    "timestamp",
    "client_id",
    "poll_token",
    "uptime",
    "ms",
    "target",
    "last_activity",
    "last_inbound_at",
    "heartbeat_at",
    "schedulers",  # host:pid of the process that fires schedules
    "holder",
    "source",  # a publisher's connection-scoped identity
}
MAX_PAUSE = 1.2  # seconds: recorded gaps (a client's reconnect backoff) are kept, up to this

pytestmark = [pytest.mark.timeout(180)]


def _load(port: int) -> dict[str, Any]:
    text = TRANSCRIPT.read_text().replace("<TOKEN>", TOKEN).replace("<PORT>", str(port))
    return json.loads(text)


class Replay:
    """Compares recorded answers with live ones; remembers recorded → live values of the volatile fields."""

    def __init__(self) -> None:
        self.live: dict[str, str] = {}

    def same(self, recorded: Any, live: Any, where: str) -> None:
        if isinstance(recorded, dict):
            assert isinstance(live, dict), f"{where}: expected an object, got {live!r}"
            for key, value in recorded.items():
                assert key in live, f"{where}.{key} missing in {json.dumps(live)[:600]}"
                if key in VOLATILE:
                    if isinstance(value, str) and isinstance(live[key], str):
                        self.live[value] = live[key]
                    continue
                self.same(value, live[key], f"{where}.{key}")
        elif isinstance(recorded, list):
            assert isinstance(live, list) and len(live) == len(recorded), f"{where}: {live!r} vs {recorded!r}"
            for index, (old, new) in enumerate(zip(recorded, live, strict=True)):
                self.same(old, new, f"{where}[{index}]")
        else:
            expected = self.live.get(recorded, recorded) if isinstance(recorded, str) else recorded
            assert live == expected, f"{where}: got {live!r}, recorded {recorded!r}"

    def outgoing(self, value: Any) -> Any:
        """A recorded request with the live session ids, poll tokens… in place of the recorded ones."""
        if isinstance(value, dict):
            return {key: self.outgoing(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.outgoing(item) for item in value]
        return self.live.get(value, value) if isinstance(value, str) else value


@pytest.fixture
def gateway(tmp_path) -> Any:
    port = free_port()
    args = manage("rungateway", "--config", str(CONFIG), "--port", str(port), "--no-listeners")
    proc = Proc("rungateway", args, base_env(tmp_path / "data", LOG_LEVEL="WARNING"), tmp_path / "gw.log").start()
    try:
        deadline = time.monotonic() + 60
        while f"127.0.0.1:{port}/ (admin" not in proc.log():
            assert proc.running() and time.monotonic() < deadline, proc.log()[-3000:]
            time.sleep(0.1)
        yield port
    finally:
        proc.stop()


async def _replay(port: int) -> dict[str, Any]:
    transcript = _load(port)
    replay = Replay()
    sockets: dict[int, Any] = {}
    previous = 0.0
    for number, step in enumerate(transcript["steps"]):
        await asyncio.sleep(max(0.0, min(step["t"] - previous, MAX_PAUSE)))
        previous = step["t"]
        where = f"step {number} ({step.get('client') or step['dir']})"
        kind = step["dir"]
        if kind == "open":
            url = replay.outgoing(step["url"])
            sockets[step["conn"]] = await connect(url, additional_headers=step["headers"] or None)
        elif kind == "send":
            await sockets[step["conn"]].send(json.dumps(replay.outgoing(step["frame"])))
        elif kind == "recv":
            while True:
                frame = json.loads(await asyncio.wait_for(sockets[step["conn"]].recv(), 10))
                if frame.get("type") != "ping" or step["frame"].get("type") == "ping":
                    break
            replay.same(step["frame"], frame, where)
        elif kind == "close":
            await sockets.pop(step["conn"]).close()
        elif kind == "http":
            response = await asyncio.to_thread(
                requests.request,
                step["method"],
                step["url"],
                headers=step["headers"],
                json=replay.outgoing(step["body"]),
                timeout=10,
            )
            assert response.status_code == step["status"], f"{where}: {response.status_code} {response.text[:300]}"
            replay.same(step["response"], response.json(), where)
    return transcript


def test_praisonai_clients_and_cli_get_the_answers_they_were_recorded_with(gateway) -> None:
    transcript = asyncio.run(_replay(gateway))
    assert transcript["versions"] == {"praisonai": "4.7.19", "praisonai-bot": "0.1.16", "websockets": "13.1"}
    outcome = transcript["outcome"]
    # What PraisonAI's tools did with those answers in the live run.
    for command in ("status", "test", "pause", "resume", "reconnect"):
        assert outcome[command]["exit_code"] == 0, outcome[command]["output"]
    status = json.loads(outcome["status"]["output"])
    assert status["reachable"] and status["agents"] == 1 and status["access"]["authorized"]
    assert json.loads(outcome["test"]["output"])["runtime"]["ok"] is True
    replayed = [e for e in outcome["gateway_client_events"] if e["sequence"] is not None]
    assert [(e["type"], e["data"].get("content")) for e in replayed][-1] == ("response", "second question")
    assert outcome["push"]["received"][1] == {"n": 2, "while": "reconnecting"}
    assert outcome["push"]["polled"] == {"n": 3, "to": "the poller"}


def test_rungateway_refuses_a_websocket_to_an_unknown_path_with_404(gateway) -> None:
    async def status(path: str) -> int:
        try:
            async with connect(f"ws://127.0.0.1:{gateway}{path}?token={TOKEN}"):
                return 101
        except InvalidStatus as exc:
            return exc.response.status_code

    assert asyncio.run(status("/")) == 404
    assert asyncio.run(status("/socket")) == 404
    assert asyncio.run(status("/ws")) == 101
