"""Which instances need a listener, and which class serves them: one line per listener kind."""

from __future__ import annotations

from django.utils.module_loading import import_string

from channels_app.listeners.base import Listener
from channels_app.listeners.modes import receive_mode
from channels_app.models import ChannelInstance

LISTENERS: dict[str, str] = {
    "discord": "channels_app.listeners.discord_gateway.DiscordListener",
    "email": "channels_app.listeners.imap.ImapListener",
    "slack_socket": "channels_app.listeners.slack_socket.SlackSocketListener",
    "telegram_poll": "channels_app.listeners.telegram_poll.TelegramPollListener",
}


def listener_kind(instance: ChannelInstance) -> str | None:
    """The listener an instance needs, or None when webhooks serve it (the decision lives in listeners.modes)."""
    return receive_mode(instance).listener


def listener_class(kind: str) -> type[Listener]:
    return import_string(LISTENERS[kind])
