"""The Celery application for the distributed mode (broker: REDIS_URL)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gatewaysite.settings")


class DjangoCelerySettings(Mapping[str, Any]):
    """The CELERY_* Django settings, copied into a dict the first time Celery reads its configuration.

    Why not `config_from_object("django.conf:settings", namespace="CELERY")`: that keeps Django's lazy settings as
    Celery's configuration source, and Celery asks for every setting under both its names, each miss an
    AttributeError raised through LazySettings — seven lookups per `apply_async`, about a third of the CPU of
    handing an inbound event to the broker (cProfile of routing/pipeline/handoff.py, 2,000 tasks). Django settings
    do not change once the process runs; a change made through `app.conf` (tests do) still wins, as before.
    """

    def __init__(self) -> None:
        self._values: dict[str, Any] | None = None

    def _loaded(self) -> dict[str, Any]:
        if self._values is None:
            from django.conf import settings

            self._values = {name: getattr(settings, name) for name in dir(settings) if name.startswith("CELERY_")}
        return self._values

    def __getitem__(self, key: str) -> Any:
        return self._loaded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


app = Celery("gatewaysite")
app.config_from_object(DjangoCelerySettings(), namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["routing.pipeline"])  # routing's Celery tasks live in routing/pipeline/tasks.py
