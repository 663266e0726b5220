"""App configuration."""

from __future__ import annotations

from django.apps import AppConfig


class ChannelsAppConfig(AppConfig):
    """Channels app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "channels_app"
    verbose_name = "Channels"
