"""Token authentication against hashed per-user API tokens (`Authorization: Bearer <token>` or `Token <token>`)."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from routing.api.models import ApiToken, hash_token

KEYWORDS = ("bearer", "token")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Looks the token up by its hash; `request.auth` becomes the ApiToken, whose scope the permission reads."""

    def authenticate(self, request: Request) -> tuple[object, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid Authorization header: expected '<Bearer|Token> <token>'.")
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(header[1]), revoked=False).first()
        now = timezone.now()
        if token is None or (token.expires_at and token.expires_at <= now):
            raise exceptions.AuthenticationFailed("Invalid, revoked or expired token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token's user is inactive.")
        # Touch at most once a minute: a busy client must not turn every read into a write.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        """Makes DRF answer 401 (not 403) when credentials are missing."""
        return 'Bearer realm="api"'
