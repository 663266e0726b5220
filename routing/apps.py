"""App configuration."""

from __future__ import annotations

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    """Routing app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "routing"
    verbose_name = "Routing"

    def ready(self) -> None:
        from routing import pairing, signals  # noqa: F401 - Schedule → PeriodicTask sync; pairing notices to owners
        from routing.status import health  # noqa: F401 - its STARTED_AT is the process start (/health uptime)
