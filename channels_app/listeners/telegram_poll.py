"""Telegram long polling (`mode: poll`): getUpdates in a loop, the offset saved only after the batch is stored.

Parsing and replies are the Telegram webhook adapter's: an update fetched here is the same JSON Telegram would POST.
"""

from __future__ import annotations

import logging
from typing import Any

import requests

from channels_app.adapters import telegram_identity
from channels_app.adapters.base import MalformedPayload, json_or_empty
from channels_app.adapters.telegram import TelegramAdapter
from channels_app.listeners.base import FatalListenerError, Listener, ListenerError
from gatewaysite.egress_clients import mount_policy

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "channel_post"]
WEBHOOK_MODE_BEAT = 60.0  # seconds between signs of life while Telegram pushes to the webhook


class TelegramPollListener(Listener):
    kind = "telegram_poll"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.http = mount_policy(requests.Session())  # its own pool: a long poll must not hold a connection others need

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
        first = TelegramAdapter(instance)
        if (instance.options or {}).get("mode") != "poll" and not self._should_poll(first):
            self._serve_webhook_mode(first)
            return
        me = self._call(first, "getMe", {}, 0)["result"]
        telegram_identity.remember(first.api_base_url, first.credential("token"), me)
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
            self.context.save_cursor({**self.context.load_cursor(), "offset": offset})

    # -- no explicit mode: decide between polling and the webhook (issue: token-only configs must just work) --------
    def _record_mode(self, mode: str, reason: str) -> None:
        self.context.save_cursor({**self.context.load_cursor(), "mode": mode, "mode_reason": reason})
        logger.info("telegram %s: %s mode: %s", self.instance.name, mode, reason)

    def _should_poll(self, adapter: TelegramAdapter) -> bool:
        """Poll unless a secret_token is set and Telegram has a webhook registered for this bot."""
        secret = bool((self.instance.credentials or {}).get("secret_token"))
        try:
            info = self._call(adapter, "getWebhookInfo", {}, 0)["result"]
        except ListenerError as exc:
            if not secret:
                raise
            self._record_mode("webhook", f"secret_token is set and getWebhookInfo failed ({exc}): webhook mode")
            return False
        registered = bool((info or {}).get("url"))
        if secret and registered:
            self._record_mode(
                "webhook",
                f"secret_token is set and a webhook is registered: Telegram pushes to /webhooks/{self.instance.name}/",
            )
            return False
        if registered:
            # Deliveries to that webhook could never be verified without a secret_token; polling needs it gone
            # (getUpdates answers 409 while a webhook is set, PLATFORMS.md §5.1). Pending updates are kept.
            self._call(adapter, "deleteWebhook", {"drop_pending_updates": False}, 0)
            self._record_mode(
                "poll", "a webhook was registered but there is no secret_token to verify it: deleted it; long polling"
            )
        elif secret:
            self._record_mode(
                "poll", "secret_token is set but no webhook is registered (telegram_set_webhook): long polling"
            )
        else:
            self._record_mode("poll", "no secret_token, so webhook deliveries could not be verified: long polling")
        return True

    def _serve_webhook_mode(self, adapter: TelegramAdapter) -> None:
        """Webhook mode: learn the bot's identity for group mentions, then only show signs of life."""
        telegram_identity.bot_identity(adapter.api_base_url, adapter.credential("token"))
        self.context.connected()
        while not self.stopping.is_set():
            self.context.seen()
            self.stopping.wait(WEBHOOK_MODE_BEAT)
