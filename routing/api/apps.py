"""App configuration for the REST API (its own label so its token table stays apart from routing's models)."""

from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """REST API: per-user tokens, serializers and viewsets."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "routing.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from routing.api import schema  # noqa: F401 - registers the token scheme with drf-spectacular
