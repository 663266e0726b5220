"""Test helpers: fixtures loaded unsigned and signed at test time, so bad signatures are one-line variations."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
META_SECRET = "4f1d2c3b4a59687766554433221100ff"
TELEGRAM_SECRET = "tg_9f2c7a1e-Live-Gateway_01"
TELEGRAM_TOKEN = "7000000001:AAtest-token"
GENERIC_SECRET = "generic-shared-secret-0001"


def fixture(platform: str, name: str) -> dict[str, Any]:
    payload = json.loads((FIXTURES / platform / f"{name}.json").read_text())
    return {k: v for k, v in payload.items() if not k.startswith("_")}


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def slack_headers(body: bytes, secret: str = SLACK_SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = "v0=" + hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig, "Content-Type": "application/json"}


def meta_headers(body: bytes, secret: str = META_SECRET) -> dict[str, str]:
    sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": sig, "Content-Type": "application/json"}


def telegram_headers(secret: str = TELEGRAM_SECRET) -> dict[str, str]:
    return {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}


def generic_headers(body: bytes, secret: str = GENERIC_SECRET) -> dict[str, str]:
    sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Signature-256": sig, "Content-Type": "application/json"}


def django_headers(headers: dict[str, str]) -> dict[str, str]:
    """Headers as keyword arguments for Django's test client."""
    return {"headers": {k: v for k, v in headers.items() if k.lower() != "content-type"}}
