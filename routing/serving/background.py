"""The work that runs beside the web server in the embedded mode: resume, schedules, listeners, the dispatcher.

Each piece is optional and started through a small hook, so the server still starts when a piece is absent or
disabled; `stop(timeout)` finishes or hands back in-flight work within the bound.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import close_old_connections

from routing.scheduling.loop import EmbeddedScheduler

log = logging.getLogger(__name__)


def _optional(path: str) -> Callable | None:
    """`module:function` when both exist (another part of the gateway may not be installed yet)."""
    module_name, _, name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    return getattr(module, name, None)


# Hooks into the inbound pipeline (developer B): work accepted before a crash is finished at start,
# and the in-process dispatcher is drained on stop.
RESUME_HOOK = "routing.pipeline:resume_unfinished"
DISPATCH_STOP_HOOK = "routing.dispatch:shutdown"
LISTENERS_HOOK = "channels_app.listeners.supervisor:start"


@dataclass
class BackgroundServices:
    """Starts and stops everything that is not HTTP/WebSocket serving."""

    schedules: bool = True
    listeners: bool = True
    scheduler: EmbeddedScheduler | None = None
    supervisor: object | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        resume = _optional(RESUME_HOOK)
        if resume is not None:
            threading.Thread(target=self._resume, args=(resume,), name="resume-unfinished", daemon=True).start()
        if self.schedules:
            self.scheduler = EmbeddedScheduler()
            self.scheduler.start()
        start_listeners = _optional(LISTENERS_HOOK) if self.listeners else None
        if start_listeners is not None:
            self.supervisor = start_listeners(self.stop_event)

    @staticmethod
    def _resume(resume: Callable) -> None:
        close_old_connections()
        try:
            count = resume()
            if count:
                log.info("resumed %s accepted-but-unfinished inbound events", count)
        except Exception:  # the server must come up even if resuming fails; the error is logged
            log.exception("resuming unfinished inbound work failed")
        finally:
            close_old_connections()

    def stop(self, timeout: float) -> bool:
        """Stop within `timeout` seconds; True when no work was cut off."""
        deadline = time.monotonic() + timeout
        self.stop_event.set()
        clean = True
        if self.scheduler is not None:
            clean &= self.scheduler.stop(max(0.1, deadline - time.monotonic()))
        dispatch_stop = _optional(DISPATCH_STOP_HOOK)
        if dispatch_stop is not None:
            try:
                result = dispatch_stop(max(0.1, deadline - time.monotonic()))
                clean &= result is not False
            except Exception:
                log.exception("stopping the inbound dispatcher failed")
                clean = False
        join = getattr(self.supervisor, "join", None)
        if join is not None:
            join(max(0.1, deadline - time.monotonic()))
        return clean
