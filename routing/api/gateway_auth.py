"""The gateway's own `auth_token` on the REST API: it is the operator's key, so it has admin scope.

README promises the gateway token works "for WebSocket and API clients"; PraisonAI's CLI and scripts send exactly that
token. It acts as a dedicated staff user (`gateway-token`, no password, created on first use) so every view that
records who did something has a real user to name. Checked before the per-user tokens: an unknown Bearer token still
ends in ApiTokenAuthentication's 401.
"""

from __future__ import annotations

import hmac

from django.contrib.auth import get_user_model
from rest_framework import authentication
from rest_framework.request import Request

SERVICE_USERNAME = "gateway-token"


class GatewayToken:
    """`request.auth` for the gateway token: admin scope (the permissions read `scope`)."""

    scope = "admin"
    name = "gateway"

    def __str__(self) -> str:
        return "gateway auth_token"


def service_user():  # noqa: ANN201 - the project's user model
    """The staff user the gateway token acts as."""
    user, created = get_user_model().objects.get_or_create(
        username=SERVICE_USERNAME, defaults={"is_staff": True, "is_active": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def presented_token(request: Request) -> str | None:
    header = authentication.get_authorization_header(request).decode("latin-1").split()
    if len(header) == 2 and header[0].lower() in ("bearer", "token"):
        return header[1]
    return None


def is_gateway_token(token: str | None) -> bool:
    """Constant-time match against the configured (or loopback-generated) gateway auth_token."""
    from channels_app.realtime.config import load_config

    if not token:
        return False  # no database read for requests without a token (the schema, anonymous pages)
    expected = load_config().auth_token
    return bool(token and expected and hmac.compare_digest(token.encode(), expected.encode()))


class GatewayTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <gateway auth_token>` → the gateway-token staff user with admin scope."""

    def authenticate(self, request: Request) -> tuple[object, GatewayToken] | None:
        if not is_gateway_token(presented_token(request)):
            return None  # not ours: the per-user token authentication decides
        return service_user(), GatewayToken()

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
