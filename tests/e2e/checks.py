"""What every end-to-end test checks against a running gateway: webhook answered, WebSocket reply, scheduled send."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

import requests
import websockets

from tests.e2e.config import SCHEDULE_CHAT, SCHEDULE_PROMPT, SCHEDULE_THREAD, WEBHOOK_SECRET, WS_TOKEN
from tests.fakes.fake_telegram import FakeTelegram

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"


def scheduled_messages(fake: FakeTelegram) -> list[dict]:
    return [r.json for r in fake.messages() if r.json.get("text") == SCHEDULE_PROMPT]


def _wait_until(fake: FakeTelegram, found: Callable[[], list[dict]], timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = found()
        if result:
            return result
        fake.wait_for(len(fake.received("/sendMessage")) + 1, "/sendMessage", timeout=0.1)
    return found()


def assert_scheduled_message_arrives(fake: FakeTelegram, timeout: float = 20.0) -> None:
    found = _wait_until(fake, lambda: scheduled_messages(fake), timeout)
    assert found, f"no scheduled message reached the fake Bot API: {[r.json for r in fake.received()]}"
    assert str(found[0]["chat_id"]) == SCHEDULE_CHAT
    assert str(found[0]["message_thread_id"]) == SCHEDULE_THREAD


def post_webhook(base_url: str, update: dict, instance: str = "tg") -> requests.Response:
    return requests.post(
        f"{base_url}/webhooks/{instance}/",
        data=json.dumps(update),
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET, "Content-Type": "application/json"},
        timeout=10,
    )


def telegram_update(update_id: int, text: str, chat_id: int = 111111111) -> dict:
    update = json.loads((FIXTURES / "update__private_text.json").read_text())
    update["update_id"] = update_id
    update["message"]["message_id"] = update_id
    update["message"]["text"] = text
    update["message"].pop("entities", None)
    update["message"]["chat"]["id"] = chat_id
    return update


def replies_to(fake: FakeTelegram, text: str) -> list[dict]:
    return [r.json for r in fake.messages() if r.json.get("text") == text]


def wait_for_reply(fake: FakeTelegram, text: str, timeout: float = 20.0) -> list[dict]:
    found = _wait_until(fake, lambda: replies_to(fake, text), timeout)
    assert found, f"no reply {text!r} reached the fake Bot API: {[r.json for r in fake.received()]}"
    return found


async def _websocket_turn(ws_url: str, text: str) -> dict:
    async with websockets.connect(f"{ws_url}/ws?token={WS_TOKEN}", open_timeout=10) as socket:
        await socket.send(json.dumps({"type": "hello", "agent_id": "helper", "protocol_min": 1, "protocol_max": 1}))
        while True:
            frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
            if frame["type"] in {"hello_ok", "hello_error"}:
                assert frame["type"] == "hello_ok", frame
                break
        await socket.send(json.dumps({"type": "message", "content": text, "request_id": "e2e-1"}))
        while True:
            frame = json.loads(await asyncio.wait_for(socket.recv(), 20))
            if frame.get("type") == "response" and frame.get("status") == "final":
                return frame


def websocket_turn(ws_url: str, text: str) -> dict:
    """One hello + message over a real WebSocket; returns the final response frame."""
    return asyncio.run(_websocket_turn(ws_url, text))
