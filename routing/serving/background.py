"""The work that runs beside the web server in the embedded mode: resume, schedules, listeners, the dispatcher.

Schedules and listeners can be switched off; `stop(timeout)` finishes or hands back in-flight work within the
bound.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import close_old_connections, connections

from channels_app.listeners.supervisor import start as start_listeners
from routing.pipeline.worker import resume_unfinished
from routing.schedules.loop import EmbeddedScheduler

log = logging.getLogger(__name__)


@dataclass
class BackgroundServices:
    """Starts and stops everything that is not HTTP/WebSocket serving."""

    schedules: bool = True
    listeners: bool = True
    scheduler: EmbeddedScheduler | None = None
    supervisor: object | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        # Work accepted before a crash or stop is finished at start (the pipeline's own resume).
        threading.Thread(target=self._resume, args=(resume_unfinished,), name="resume-unfinished", daemon=True).start()
        if self.schedules:
            self.scheduler = EmbeddedScheduler()
            self.scheduler.start()
        if self.listeners:
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
            connections.close_all()  # this thread ends here; leave no connection behind

    @staticmethod
    def _drain_dispatcher(timeout: float) -> bool:
        """Let the in-process pipeline workers finish; events still unfinished stay stored and resume next start."""
        from routing.pipeline import dispatch

        if dispatch.mode() != "embedded":
            return True  # Celery workers own the work; nothing runs here
        pool = dispatch.embedded()
        try:
            idle = pool.wait_idle(timeout)
        finally:
            pool.shutdown(wait=False)
        if not idle:
            log.warning("inbound work still running at shutdown; it is handed back and resumes on the next start")
        return idle

    def stop(self, timeout: float) -> bool:
        """Stop within `timeout` seconds; True when no work was cut off."""
        deadline = time.monotonic() + timeout
        self.stop_event.set()
        clean = True
        if self.scheduler is not None:
            clean &= self.scheduler.stop(max(0.1, deadline - time.monotonic()))
        clean &= self._drain_dispatcher(max(0.1, deadline - time.monotonic()))
        join = getattr(self.supervisor, "join", None)
        if join is not None:
            join(max(0.1, deadline - time.monotonic()))
        return clean
