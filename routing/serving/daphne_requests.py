"""Two pieces of per-request work Twisted does under Daphne that the gateway never uses, switched off.

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
"""

from __future__ import annotations

from typing import Any

from daphne.http_protocol import HTTPFactory, WebRequest

_original_init = WebRequest.__init__


def _init_without_form_parsing(self: WebRequest, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    self._parsePOSTFormSubmission = False


def _no_twisted_access_log(self: HTTPFactory, request: Any) -> None:
    """Daphne logs requests itself (--access-log); Twisted's duplicate line went nowhere."""


def install() -> None:
    """Idempotent: every Daphne request handled after this skips both."""
    if WebRequest.__init__ is not _init_without_form_parsing:
        WebRequest.__init__ = _init_without_form_parsing  # type: ignore[method-assign]
    HTTPFactory.log = _no_twisted_access_log  # type: ignore[method-assign]
