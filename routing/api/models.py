"""API tokens are the gateway's one token model (channels_app.realtime.models.AccessToken), seen from the REST API.

`ApiToken` is a proxy of that table, kept so REST code and scripts keep their names: `ApiToken.issue(user, name,
scope)` creates a person's token that works on REST and WebSocket alike. The lifecycle (expiry, revocation on
deactivation/demotion/password change, re-checks) lives in channels_app.realtime.tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from channels_app.realtime.models import AccessToken

TOKEN_PREFIX = "gw_"


def hash_token(raw: str) -> str:
    """SHA-256 of a raw token: only the hash is stored, so a database dump does not hand out API access."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def generate_token() -> str:
    """A new random raw token; the prefix makes leaked tokens easy to recognise in logs and secret scanners."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(AccessToken):
    """A person's token, as the REST API and its admin page see it (same rows as AccessToken)."""

    Scope = AccessToken.Scope

    class Meta:
        proxy = True
        verbose_name = "API token"

    @classmethod
    def issue(  # type: ignore[override] - the REST form names the user first and takes one scope
        cls, user: Any, name: str, scope: str = AccessToken.Scope.READ, *, expires_at: datetime | None = None
    ) -> tuple[ApiToken, str]:
        """Create a token for `user` with `scope`; returns the row and the raw token (the only time it is known)."""
        raw = generate_token()
        token = cls.objects.create(
            user=user,
            name=name,
            token_hash=hash_token(raw),
            prefix=raw[:10],
            scopes=[str(scope)],
            expires_at=expires_at,
        )
        return token, raw

    @property
    def revoked(self) -> bool:
        return not self.enabled
