"""How each instance receives messages — a platform's webhook or a listener — and, in words, why.

One decision read by the listener supervisor (which listener to run), `/health`, `gateway_status` and the admin, so
what an operator is told is what the gateway does. Telegram without an explicit `mode` decides at run time: its
listener asks Telegram whether a webhook is registered and records the answer (see telegram_poll.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from channels_app.models import ChannelInstance


@dataclass(frozen=True, slots=True)
class ReceiveMode:
    """`mode` as shown to operators, the listener kind to run (None: webhooks only), and the reason."""

    mode: str
    listener: str | None
    reason: str


def _telegram(instance: ChannelInstance, options: dict[str, Any], credentials: dict[str, Any]) -> ReceiveMode:
    mode = options.get("mode")
    if mode == "poll":
        return ReceiveMode("poll", "telegram_poll", "mode: poll is set: long polling getUpdates")
    if mode == "webhook":
        if not credentials.get("secret_token"):
            return ReceiveMode(
                "webhook",
                None,
                "mode: webhook is set but there is no secret_token: every delivery is refused (401); "
                "set secret_token and run telegram_set_webhook, or remove mode to long-poll",
            )
        return ReceiveMode("webhook", None, f"mode: webhook is set: Telegram pushes to /webhooks/{instance.name}/")
    if not credentials.get("secret_token"):
        return ReceiveMode(
            "poll",
            "telegram_poll",
            "no secret_token, so webhook deliveries could not be verified: long polling getUpdates",
        )
    learned = _learned_telegram_mode(instance)
    if learned:
        return ReceiveMode(learned["mode"], "telegram_poll", learned["reason"])
    return ReceiveMode(
        "auto",
        "telegram_poll",
        "secret_token is set: webhook mode if Telegram has a webhook registered, else long polling (not checked yet)",
    )


def _learned_telegram_mode(instance: ChannelInstance) -> dict[str, str] | None:
    """What the Telegram listener found out (getWebhookInfo), from its state row."""
    from channels_app.listeners.models import ListenerState

    cursor = ListenerState.objects.filter(instance=instance).values_list("cursor", flat=True).first() or {}
    if cursor.get("mode") in ("poll", "webhook") and cursor.get("mode_reason"):
        return {"mode": cursor["mode"], "reason": cursor["mode_reason"]}
    return None


def receive_mode(instance: ChannelInstance) -> ReceiveMode:
    """How `instance` receives messages now."""
    options = instance.options or {}
    credentials = instance.credentials or {}
    platform = instance.platform
    if platform == "discord":
        # Ordinary Discord messages come only over the gateway WebSocket (PLATFORMS.md §6.1).
        if options.get("mode") == "interactions":
            return ReceiveMode("interactions", None, "mode: interactions: slash commands only, at the webhook")
        return ReceiveMode("gateway", "discord", "Discord delivers messages only over its gateway WebSocket")
    if platform == "email":
        return ReceiveMode("imap", "email", "mail is read over IMAP")
    if platform == "slack":
        # An app-level token means Socket Mode, unless the operator pinned the HTTP Events API (PLATFORMS.md §3.6).
        mode = options.get("mode")
        if mode == "socket" or (mode != "events" and credentials.get("app_token")):
            return ReceiveMode("socket", "slack_socket", "an app_token is set: Socket Mode")
        return ReceiveMode("events", None, f"Events API: Slack pushes to /webhooks/{instance.name}/")
    if platform == "telegram":
        return _telegram(instance, options, credentials)
    if platform == "websocket":
        return ReceiveMode("websocket", None, "clients connect to /ws")
    return ReceiveMode("webhook", None, f"the platform pushes to /webhooks/{instance.name}/")
