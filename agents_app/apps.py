"""App configuration."""

from __future__ import annotations

from django.apps import AppConfig
from django.core.signals import setting_changed


class AgentsAppConfig(AppConfig):
    """Agents app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "agents_app"
    verbose_name = "Agents"

    def ready(self) -> None:
        from agents_app.tools.registry import forget_loaded_modules

        setting_changed.connect(forget_loaded_modules, dispatch_uid="agents_app.tools.registry")
