"""Who may reach this process without a token: local operator tools, when `rungateway` is bound to loopback only.

PraisonAI's CLI (`praisonai gateway pause|resume|reconnect`) posts to the control endpoints with no credentials and
relies on the server trusting a loopback peer of a loopback-bound gateway; `gateway status` reads /info the same way.
We keep that narrow: only those endpoints, only when this process itself bound a loopback address (a bare daphne
never learns its bind, so it never trusts), only a loopback peer, and never through a proxy (any forwarding header
refuses the trust). `GATEWAY_LOOPBACK_TRUST=false` turns it off.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from gatewaysite.gateway_token import is_loopback_host

FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP", "HTTP_X_FORWARDED_HOST")

_bound_to_loopback = False


def record_bind(host: str) -> None:
    """rungateway tells us where it listens, before serving."""
    global _bound_to_loopback
    _bound_to_loopback = is_loopback_host(host)


def bound_to_loopback() -> bool:
    return _bound_to_loopback


def _peer_is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def loopback_trusted(request: HttpRequest) -> bool:
    """A local, unproxied request to a loopback-bound rungateway."""
    if not (_bound_to_loopback and getattr(settings, "GATEWAY_LOOPBACK_TRUST", True)):
        return False
    if any(request.META.get(name) for name in FORWARDING_HEADERS):
        return False
    return _peer_is_loopback(str(request.META.get("REMOTE_ADDR") or ""))


class MissingAuthToken(Exception):
    """A non-loopback bind without a usable auth_token: rungateway refuses to start."""


def startup_auth_lines(configured: str, host: str) -> list[str]:
    """What rungateway prints about the gateway token, generating one on a loopback bind when none is configured.

    Raises MissingAuthToken for a bind other machines can reach when no token resolves (unset, or `${VAR}` unset).
    """
    from gatewaysite.gateway_token import ensure_generated_token, masked, token_path
    from gatewaysite.secrets import referenced_variables, resolve_secret

    resolved = resolve_secret(configured) if configured else None
    if resolved:
        return [f"Gateway auth token: {masked(resolved)} (gateway.auth_token)"]
    if configured:
        missing = ", ".join(referenced_variables(configured)) or "its variable"
        problem = f"gateway.auth_token is {configured} but {missing} is not set"
    else:
        problem = "no gateway.auth_token is configured"
    if not is_loopback_host(host):
        raise MissingAuthToken(
            f"{problem}: refusing to listen on {host}, which other machines can reach. Set gateway.auth_token "
            "(best as ${GATEWAY_AUTH_TOKEN}) or bind 127.0.0.1."
        )
    token, created = ensure_generated_token()
    if created:
        return [
            f"{problem}: generated a gateway auth token for this loopback gateway, stored in {token_path()}.",
            f"  It is shown in full only this once: {token}",
            "  Clients send it as ?token=… or Authorization: Bearer …; PraisonAI's CLI reads it from GATEWAY_AUTH_TOKEN.",
        ]
    return [f"Gateway auth token: {masked(token)} (generated earlier, in {token_path()})"]
