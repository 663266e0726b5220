"""`manage.py run_listeners`: the distributed mode's one process for Discord, IMAP, Socket Mode and Telegram polling.

Webhook traffic goes to daphne and the work to Celery; this process only holds the long-lived platform connections.
Run one (or more: the lease makes extra copies stand by and take over when the holder dies).
"""

from __future__ import annotations

import json
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from channels_app.listeners import supervisor
from channels_app.listeners.health import listener_health


class Command(BaseCommand):
    help = "Run the long-lived platform listeners (Discord gateway, IMAP, Slack Socket Mode, Telegram polling)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--only", action="append", default=[], metavar="INSTANCE", help="run only these instances")
        parser.add_argument("--status", action="store_true", help="print listener health as JSON and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["status"]:
            self.stdout.write(json.dumps(listener_health(), indent=2))
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            self.stdout.write("stopping listeners…")
            stop.set()

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            running = supervisor.start(stop, only=options["only"] or None)
            self.stdout.write(self.style.SUCCESS("listeners running; SIGTERM or Ctrl-C stops them"))
            while not stop.wait(0.2):
                pass
            running.join(timeout=30)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("listeners stopped")
