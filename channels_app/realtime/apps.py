"""App configuration for the WebSocket control plane (label "realtime")."""

from __future__ import annotations

from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    """Nested app so the control plane owns its own tables and migrations."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "channels_app.realtime"
    label = "realtime"
    verbose_name = "WebSocket control plane"

    def ready(self) -> None:
        from channels_app.realtime.close_codes import allow_registered_close_codes

        allow_registered_close_codes()

        from channels_app.realtime.tokens import connect_signals

        connect_signals()
