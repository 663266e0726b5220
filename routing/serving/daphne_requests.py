"""Per-request work Twisted and Daphne do that the gateway does not need: two pieces switched off, one done sooner.

1. Form parsing. Twisted's `Request.requestReceived` parses the Content-Type of every POST with the standard
   library's email header machinery, and then the whole body when it is form-encoded or multipart, into
   `request.args` — which Daphne never reads (it passes the raw body to ASGI). Under bench/webhook_load.py that
   parse was ~8 % of the embedded server's CPU per acknowledgement (py-spy --gil). Worse, a malformed multipart
   body was answered by Twisted itself with a bare 400 before the gateway saw it, and a large form body was parsed
   twice. With the flag off, every body reaches the gateway's own views, which verify signatures and answer as
   documented.
2. Twisted's own access log. `HTTPFactory.log` formats a combined-log line for every request and writes it to
   Twisted's legacy log file, which nothing here reads (~2 % of the CPU per acknowledgement). Daphne's access log
   (`--access-log`) is written by Daphne itself and is unaffected.
3. Reaping finished requests. Daphne keeps every request it served (the Twisted request with its headers and
   written body, the application's task, its input queue) in `Server.connections` until `application_checker`,
   which runs once a second, removes it. Under a burst that is a second of requests held at once: at ~3,000
   acknowledgements a second, memray put ~2,150 of them (~9 MB) in the peak of bench_webhook.py's 2,000 × 50
   Slack load, and the memory they took stays with the process afterwards. A request whose application finished
   is now removed when Twisted closes it; one whose application failed is left to the checker, which logs the
   exception as before, and one that never started an application is too.
"""

from __future__ import annotations

from typing import Any

from daphne.http_protocol import HTTPFactory, WebRequest
from daphne.server import Server

_original_init = WebRequest.__init__
_original_disconnected = Server.protocol_disconnected


def _init_without_form_parsing(self: WebRequest, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    self._parsePOSTFormSubmission = False


def _no_twisted_access_log(self: HTTPFactory, request: Any) -> None:
    """Daphne logs requests itself (--access-log); Twisted's duplicate line went nowhere."""


def _reap(server: Server, protocol: Any) -> None:
    """Forget a closed protocol whose application finished cleanly, as `application_checker` would a second later."""
    details = server.connections.get(protocol)
    if details is None or "disconnected" not in details:
        return
    instance = details.get("application_instance")
    if instance is None or not instance.done():
        return
    if not instance.cancelled() and instance.exception() is not None:
        return  # the checker logs it (and stops the server on KeyboardInterrupt)
    del server.connections[protocol]


def _disconnected_and_reaped(self: Server, protocol: Any) -> None:
    _original_disconnected(self, protocol)
    instance = self.connections.get(protocol, {}).get("application_instance")
    if instance is None:
        return  # no application started (a request refused early): the checker removes it
    if instance.done():
        _reap(self, protocol)
    else:
        instance.add_done_callback(lambda _finished: _reap(self, protocol))


def install() -> None:
    """Idempotent: every Daphne request handled after this gets all three."""
    if WebRequest.__init__ is not _init_without_form_parsing:
        WebRequest.__init__ = _init_without_form_parsing  # type: ignore[method-assign]
    HTTPFactory.log = _no_twisted_access_log  # type: ignore[method-assign]
    Server.protocol_disconnected = _disconnected_and_reaped  # type: ignore[method-assign]
