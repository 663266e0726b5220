"""Secure cookies and HSTS whenever the site is served over HTTPS.

Django's SESSION_COOKIE_SECURE and SECURE_HSTS_SECONDS are fixed at start-up, but whether TLS is on is known per
request (rungateway with ssl_cert/ssl_key, or a proxy that says so) or by configuration (GATEWAY_HTTPS behind a
TLS-terminating proxy). A cookie sent over TLS without `Secure` can later leak over plain HTTP to the same host.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.decorators import sync_and_async_middleware


def _harden(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    if not (request.is_secure() or getattr(settings, "GATEWAY_HTTPS", False)):
        return response
    for morsel in response.cookies.values():
        morsel["secure"] = True
    seconds = int(getattr(settings, "GATEWAY_HSTS_SECONDS", 0) or 0)
    if seconds > 0 and "Strict-Transport-Security" not in response:
        response["Strict-Transport-Security"] = f"max-age={seconds}"
    return response


@sync_and_async_middleware
def TransportSecurityMiddleware(get_response: Callable) -> Callable:  # noqa: N802 - Django middleware naming
    """Marks every cookie Secure and adds HSTS on responses to HTTPS requests (or all, with GATEWAY_HTTPS)."""
    from asgiref.sync import iscoroutinefunction

    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponseBase:
            return _harden(request, await get_response(request))

    else:

        def middleware(request: HttpRequest) -> HttpResponseBase:
            return _harden(request, get_response(request))

    return middleware
