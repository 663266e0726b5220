"""Token lifecycle: what a presented token may do right now, and revoking a person's tokens when they lose access.

One model (AccessToken) serves the REST API, the WebSocket and push polling. A person's token is only as good as its
user: active, staff, and with a role whose ceiling (console_app.roles.max_scope when installed, else admin for
staff) covers the token's scopes; the effective scopes are the token's clipped to that ceiling. This is checked at
every REST request and WebSocket connect, and again every GATEWAY_WS_TOKEN_RECHECK seconds for open sockets, which
are closed (4003) once the token no longer passes. Deactivating a user, taking away staff or superuser status, or
changing their password revokes their tokens at once (signals wired in RealtimeConfig.ready); a lower role clips
what their tokens may do from the next request or recheck on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.utils import timezone

from channels_app.realtime.models import AccessToken

ORDER = ("read", "write", "admin")
DEFAULT_RECHECK_SECONDS = 15.0
DEFAULT_OPS_TOKEN_HOURS = 12


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """A presented token that passed: the row and the scopes it may use now (before admin ⊃ write ⊃ read expansion)."""

    token: AccessToken
    scopes: tuple[str, ...]


def recheck_seconds() -> float:
    """How often an open socket's token is checked again (GATEWAY_WS_TOKEN_RECHECK, setting then environment)."""
    value = getattr(settings, "GATEWAY_WS_TOKEN_RECHECK", None) or os.environ.get("GATEWAY_WS_TOKEN_RECHECK")
    return float(value) if value else DEFAULT_RECHECK_SECONDS


def ops_token_lifetime() -> float:
    """Hours an /ops/ page token lives (GATEWAY_OPS_TOKEN_HOURS); a new page load issues a new one."""
    value = getattr(settings, "GATEWAY_OPS_TOKEN_HOURS", None) or os.environ.get("GATEWAY_OPS_TOKEN_HOURS")
    return float(value) if value else float(DEFAULT_OPS_TOKEN_HOURS)


def scope_ceiling(user: Any) -> str | None:
    """The most a token of `user` may do now; None when the user may not use tokens at all."""
    if user is None or not user.is_active or not user.is_staff:
        return None
    if apps.is_installed("console_app"):
        from console_app.roles import max_scope

        return max_scope(user)
    return "admin"


def clip(scopes: list[str] | tuple[str, ...], ceiling: str | None) -> tuple[str, ...]:
    """`scopes`, each lowered to at most `ceiling` (admin ⊃ write ⊃ read): an admin token of a viewer reads."""
    if ceiling is None:
        return ()
    limit = ORDER.index(ceiling)
    lowered = {ORDER[min(ORDER.index(scope), limit)] for scope in scopes if scope in ORDER}
    return tuple(scope for scope in ORDER if scope in lowered)


def usable(token: AccessToken, *, within_role: bool = True) -> tuple[str, ...] | None:
    """The scopes `token` may use now, or None when it is disabled, expired, or its user lost access.

    `within_role=False` (the REST API, whose permissions apply the role ceiling themselves) only asks that a
    person's token belongs to an active user; the WebSocket needs the user's role to allow the scopes.
    """
    if not token.enabled or (token.expires_at is not None and token.expires_at <= timezone.now()):
        return None
    if token.user_id is None:
        return tuple(token.scopes or ())
    if not token.user.is_active:
        return None
    if not within_role:
        return tuple(token.scopes or ())
    scopes = clip(token.scopes or [], scope_ceiling(token.user))
    return scopes or None


def check(raw: str | None, model: type[AccessToken] = AccessToken, *, within_role: bool = True) -> TokenCheck | None:
    """Look a presented token up by hash; the row (as `model`, e.g. the REST proxy) and its usable scopes, or None.

    Records the use, at most once a minute so a busy client does not turn every read into a write.
    """
    if not raw:
        return None
    token = model.objects.select_related("user").filter(token_hash=AccessToken.hash(raw)).first()
    if token is None:
        return None
    scopes = usable(token, within_role=within_role)
    if scopes is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return TokenCheck(token, scopes)


def recheck(token_id: int) -> tuple[str, ...] | None:
    """For an open socket: the token's usable scopes now, or None (revoked, expired, deleted, user lost access)."""
    token = AccessToken.objects.select_related("user").filter(pk=token_id).first()
    return usable(token) if token is not None else None


def revoke_for_user(user: Any, reason: str) -> int:
    """Revoke every enabled token of `user` (their open sockets close at the next recheck)."""
    return AccessToken.objects.filter(user=user, enabled=True).update(
        enabled=False, revoked_at=timezone.now(), revoked_reason=reason[:200]
    )


def rotate_page_token(user: Any, name: str, scopes: list[str]) -> str:
    """A fresh token named `name` for `user` (the /ops/ pages' WebSocket token), replacing the previous one.

    It is an ordinary person's token: tied to the user, re-checked, expiring after ops_token_lifetime() hours.
    """
    raw = AccessToken.new_value()
    AccessToken.objects.update_or_create(
        user=user,
        name=name,
        defaults={
            "token_hash": AccessToken.hash(raw),
            "prefix": raw[:10],
            "scopes": list(scopes),
            "enabled": bool(scopes),
            "expires_at": timezone.now() + timezone.timedelta(hours=ops_token_lifetime()),
            "revoked_at": None,
            "revoked_reason": "",
        },
    )
    return raw


# ---- signals: revoke when a user loses access ----------------------------------------------------------------------


def remember_previous_state(sender: Any, instance: Any, **kwargs: Any) -> None:
    """pre_save on the user model: note what the row held, to tell a demotion or password change in post_save."""
    if instance.pk is None:
        return
    previous = sender.objects.filter(pk=instance.pk).values("is_active", "is_staff", "is_superuser", "password").first()
    instance._token_previous = previous


def revoke_on_lost_access(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """post_save on the user model: deactivation, losing staff or superuser, or a new password revoke every token."""
    previous = getattr(instance, "_token_previous", None)
    instance._token_previous = None
    if created or not previous:
        return
    reasons = []
    if previous["is_active"] and not instance.is_active:
        reasons.append("user deactivated")
    if previous["is_staff"] and not instance.is_staff:
        reasons.append("user lost staff status")
    if previous["is_superuser"] and not instance.is_superuser:
        reasons.append("user lost superuser status")
    if previous["password"] != instance.password:
        reasons.append("password changed")
    if reasons:
        revoke_for_user(instance, ", ".join(reasons))


def connect_signals() -> None:
    """Wire the revocation signals (called once from RealtimeConfig.ready)."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_save, pre_save

    user_model = get_user_model()
    pre_save.connect(remember_previous_state, sender=user_model, dispatch_uid="realtime.tokens.pre_save")
    post_save.connect(revoke_on_lost_access, sender=user_model, dispatch_uid="realtime.tokens.post_save")
