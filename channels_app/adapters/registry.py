"""Which adapter class serves which platform: one line per platform, imported lazily by dotted path."""

from __future__ import annotations

from django.utils.module_loading import import_string

from channels_app.adapters.base import Adapter, InstanceLike

ADAPTERS: dict[str, str] = {
    "slack": "channels_app.adapters.slack.SlackAdapter",
    "whatsapp": "channels_app.adapters.whatsapp.WhatsAppAdapter",
    "telegram": "channels_app.adapters.telegram.TelegramAdapter",
    "webhook": "channels_app.adapters.webhook.WebhookAdapter",
    "email": "channels_app.adapters.email.EmailAdapter",
    "discord": "channels_app.adapters.discord.DiscordAdapter",
}


def adapter_class(platform: str) -> type[Adapter] | None:
    """The adapter class for a platform, or None when no adapter is registered for it."""
    path = ADAPTERS.get(platform)
    return import_string(path) if path else None


def get_adapter(instance: InstanceLike) -> Adapter | None:
    """An adapter bound to `instance` (credentials are resolved when used, not here)."""
    cls = adapter_class(instance.platform)
    return cls(instance) if cls else None
