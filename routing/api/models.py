"""Per-user API tokens with a scope, so an operator can hand out read-only access without sharing a password."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models

TOKEN_PREFIX = "gw_"


def hash_token(raw: str) -> str:
    """SHA-256 of a raw token: only the hash is stored, so a database dump does not hand out API access."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def generate_token() -> str:
    """A new random raw token; the prefix makes leaked tokens easy to recognise in logs and secret scanners."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    """One API token of one user. `read` tokens may only read; `admin` tokens may also write (staff users only)."""

    class Scope(models.TextChoices):
        READ = "read", "read-only"
        ADMIN = "admin", "admin (read and write)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text="The user the token acts as; writes also need the user to be staff.",
    )
    name = models.CharField(max_length=100, help_text="What the token is for (ci-export, grafana…).")
    scope = models.CharField(
        max_length=8, choices=Scope.choices, default=Scope.READ, help_text="read: GET only; admin: every method."
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of the token.")
    key_prefix = models.CharField(
        max_length=12, editable=False, help_text="First characters of the token, to tell tokens apart."
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the token was created.")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="Last authenticated use.")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="After this time the token is refused.")
    revoked = models.BooleanField(default=False, help_text="A revoked token is refused at once.")

    class Meta:
        ordering = ["user__username", "name"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.user}, {self.scope})"

    def set_key(self, raw: str) -> None:
        """Store the hash and a short prefix of `raw`; the raw value is shown once and never stored."""
        self.key_hash = hash_token(raw)
        self.key_prefix = raw[: len(TOKEN_PREFIX) + 6]

    @classmethod
    def issue(cls, user: object, name: str, scope: str = Scope.READ) -> tuple[ApiToken, str]:
        """Create a token for `user`; returns the row and the raw token (the only time it is known)."""
        raw = generate_token()
        token = cls(user=user, name=name, scope=scope)
        token.set_key(raw)
        token.save()
        return token, raw
