"""App config: keeps the role groups' permissions complete after every migrate (new models get theirs too)."""

from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ConsoleAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "console_app"
    verbose_name = "Operator console"

    def ready(self) -> None:
        from console_app.roles import sync_role_groups_after_migrate

        post_migrate.connect(sync_role_groups_after_migrate, dispatch_uid="console_app.roles")
