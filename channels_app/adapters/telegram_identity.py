"""The bot's own username and id, learned with `getMe` and kept per process, in webhook and polling mode alike.

Group messages are answered only when they mention the bot (PLATFORMS.md §5.6), which needs the bot's @username.
An operator rarely configures `bot_username`, so the adapter asks Telegram once and remembers the answer (an hour;
a failure is retried after a minute, so a Telegram outage costs one short call per minute, not one per message).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Any

import requests

from gatewaysite.egress_clients import policy_session

log = logging.getLogger(__name__)

KEEP_SECONDS = 3600.0
RETRY_SECONDS = 60.0
TIMEOUT = (3.0, 5.0)

_lock = threading.Lock()
_known: dict[str, tuple[float, dict[str, Any] | None]] = {}


def _key(api_base_url: str, token: str) -> str:
    return api_base_url + "|" + hashlib.sha256(token.encode()).hexdigest()


def remember(api_base_url: str, token: str, me: dict[str, Any]) -> None:
    """Store what a getMe answered (the polling listener calls getMe anyway)."""
    with _lock:
        _known[_key(api_base_url, token)] = (time.monotonic() + KEEP_SECONDS, me)


def known(api_base_url: str, token: str) -> dict[str, Any] | None:
    """What getMe taught this process already, without asking."""
    with _lock:
        cached = _known.get(_key(api_base_url, token)) if token else None
    return cached[1] if cached and cached[0] > time.monotonic() else None


def bot_identity(api_base_url: str, token: str) -> dict[str, Any] | None:
    """`{"id", "username", ...}` from getMe, or None when Telegram could not be asked just now."""
    if not token:
        return None
    key = _key(api_base_url, token)
    with _lock:
        cached = _known.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    me: dict[str, Any] | None = None
    try:
        response = policy_session().post(f"{api_base_url}/bot{token}/getMe", json={}, timeout=TIMEOUT)
        data = response.json() if response.content else {}
        if isinstance(data, dict) and data.get("ok") and isinstance(data.get("result"), dict):
            me = data["result"]
        else:
            log.warning("telegram getMe answered HTTP %s; group mentions need bot_username", response.status_code)
    except (requests.RequestException, ValueError) as exc:
        log.warning("telegram getMe failed (%s); group mentions need bot_username", type(exc).__name__)
    with _lock:
        _known[key] = (time.monotonic() + (KEEP_SECONDS if me else RETRY_SECONDS), me)
    return me


def forget_all() -> None:
    """Tests start from nothing learned."""
    with _lock:
        _known.clear()
