"""App configuration: a nested app so the listeners' own tables live beside their code."""

from __future__ import annotations

from django.apps import AppConfig


class ListenersConfig(AppConfig):
    """Listener leases and health (label "listeners")."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "channels_app.listeners"
    label = "listeners"
    verbose_name = "Listeners"
