"""Project package: settings, URL and ASGI composition, the Celery app. Holds no logic."""

from __future__ import annotations

from gatewaysite.celery import app as celery_app

__all__ = ["celery_app"]
