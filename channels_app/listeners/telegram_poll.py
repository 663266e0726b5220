"""Telegram long polling (`mode: poll`): getUpdates in a loop, the offset saved only after the batch is stored.

Parsing and replies are the Telegram webhook adapter's: an update fetched here is the same JSON Telegram would POST.
"""

from __future__ import annotations

import logging
from typing import Any

import requests

from channels_app.adapters.base import MalformedPayload, json_or_empty
from channels_app.adapters.telegram import TelegramAdapter
from channels_app.listeners.base import FatalListenerError, Listener, ListenerError

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "channel_post"]


class TelegramPollListener(Listener):
    kind = "telegram_poll"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.http = requests.Session()  # its own pool: a long poll must not hold a connection others need

    def _call(self, adapter: TelegramAdapter, method: str, body: dict[str, Any], wait: float) -> dict[str, Any]:
        url = f"{adapter.api_base_url}/bot{adapter.credential('token')}/{method}"
        try:
            response = self.http.post(url, json=body, timeout=(5.0, wait + 10.0))
        except requests.RequestException as exc:
            raise ListenerError(f"telegram {method}: {type(exc).__name__}") from exc
        data = json_or_empty(response)
        if data.get("ok"):
            return data
        code = int(data.get("error_code") or response.status_code)
        description = str(data.get("description") or f"HTTP {response.status_code}")
        if code in (401, 403, 404):
            raise FatalListenerError(f"telegram {method}: {description} (check the bot token)")
        if code == 409 and "webhook" in description.lower():
            # Polling and a webhook are mutually exclusive (PLATFORMS.md §5.1): the operator must pick one.
            raise FatalListenerError(f"telegram {method}: {description}; delete the webhook or use mode webhook")
        retry = (data.get("parameters") or {}).get("retry_after")
        if code == 429 and isinstance(retry, int | float):
            self.stopping.wait(float(retry))
        raise ListenerError(f"telegram {method}: {description}")

    def run(self) -> None:
        instance = self.instance
        me = self._call(TelegramAdapter(instance), "getMe", {}, 0)["result"]
        if not (instance.options or {}).get("bot_username") and me.get("username"):
            # Learn the username for mention detection in groups (PLATFORMS.md §5.6); in memory only.
            instance.options = {**(instance.options or {}), "bot_username": me["username"]}
        adapter = TelegramAdapter(instance)
        wait = float(self.option("poll_timeout", 10))
        offset = self.context.load_cursor().get("offset")
        self.context.connected()
        while not self.stopping.is_set():
            body: dict[str, Any] = {"timeout": int(wait), "limit": 100, "allowed_updates": ALLOWED_UPDATES}
            if offset is not None:
                body["offset"] = offset
            updates = self._call(adapter, "getUpdates", body, wait)["result"]
            self.context.seen()
            if not updates:
                if wait < 1:
                    self.stopping.wait(0.2)  # a short poll (timeout 0) must not spin
                continue
            messages = []
            for update in updates:
                try:
                    messages.extend(adapter.parse(update, {}))
                except MalformedPayload as exc:
                    logger.warning("telegram %s: skipping malformed update: %s", instance.name, exc)
            self.context.deliver(messages)
            # Confirm only after storing: the next call with max+1 deletes them server-side (PLATFORMS.md §5.4).
            offset = max(int(update.get("update_id", 0)) for update in updates) + 1
            self.context.save_cursor({"offset": offset})
