"""Which instances need a listener, and which class serves them: one line per listener kind."""

from __future__ import annotations

from django.utils.module_loading import import_string

from channels_app.listeners.base import Listener
from channels_app.models import ChannelInstance

LISTENERS: dict[str, str] = {
    "discord": "channels_app.listeners.discord_gateway.DiscordListener",
    "email": "channels_app.listeners.imap.ImapListener",
    "slack_socket": "channels_app.listeners.slack_socket.SlackSocketListener",
    "telegram_poll": "channels_app.listeners.telegram_poll.TelegramPollListener",
}


def listener_kind(instance: ChannelInstance) -> str | None:
    """The listener an instance needs, or None when webhooks serve it."""
    options = instance.options or {}
    credentials = instance.credentials or {}
    if instance.platform == "discord":
        # Ordinary Discord messages come only over the gateway WebSocket (PLATFORMS.md §6.1).
        return None if options.get("mode") == "interactions" else "discord"
    if instance.platform == "email":
        return "email"
    if instance.platform == "slack":
        # An app-level token means Socket Mode, unless the operator pinned the HTTP Events API (PLATFORMS.md §3.6).
        mode = options.get("mode")
        if mode == "socket" or (mode != "events" and credentials.get("app_token")):
            return "slack_socket"
        return None
    if instance.platform == "telegram" and options.get("mode") == "poll":
        return "telegram_poll"
    return None


def listener_class(kind: str) -> type[Listener]:
    return import_string(LISTENERS[kind])
