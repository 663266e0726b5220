"""The Celery application for the distributed mode (broker: REDIS_URL)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gatewaysite.settings")

app = Celery("gatewaysite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["routing.pipeline"])  # routing's Celery tasks live in routing/pipeline/tasks.py
