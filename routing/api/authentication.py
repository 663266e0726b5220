"""Token authentication against hashed per-user API tokens (`Authorization: Bearer <token>` or `Token <token>`)."""

from __future__ import annotations

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from channels_app.realtime import tokens
from routing.api.models import ApiToken

KEYWORDS = ("bearer", "token")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Looks the token up by its hash; `request.auth` becomes the token, whose `scope` the permissions read."""

    def authenticate(self, request: Request) -> tuple[object, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid Authorization header: expected '<Bearer|Token> <token>'.")
        # The one token check (enabled, not expired, its user active); the permissions apply the role's ceiling.
        found = tokens.check(header[1], model=ApiToken, within_role=False)
        if found is None or found.token.user_id is None:
            raise exceptions.AuthenticationFailed("Invalid, revoked or expired token.")
        return found.token.user, found.token

    def authenticate_header(self, request: Request) -> str:
        """Makes DRF answer 401 (not 403) when credentials are missing."""
        return 'Bearer realm="api"'
