"""Who may do what over the API, by role (viewer reads, operator also chats/runs/takes over, admin configures)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import permissions

if TYPE_CHECKING:  # rest_framework.views imports this module through its settings: no runtime import back
    from rest_framework.request import Request
    from rest_framework.views import APIView


_RANK = {"read": 1, "write": 2, "admin": 3}


def effective_scope(request: Request) -> str | None:
    """What this request may do: read, write (operator actions) or admin (configuration), or None.

    A per-user token is limited by its own scope and by its user's role (console_app.roles: viewer → read,
    operator → write, admin → admin); a browser session has its user's role; the gateway's own auth_token, which
    is not a person's, keeps its scope.
    """
    from console_app.roles import max_scope

    user = request.user
    if not (user and user.is_authenticated):
        return None
    auth = request.auth
    token_scope = getattr(auth, "scope", None) if auth is not None else None
    if token_scope and not hasattr(auth, "user_id"):
        return token_scope
    ceiling = max_scope(user)
    if ceiling is None or token_scope is None:
        return ceiling
    return min(token_scope, ceiling, key=lambda scope: _RANK.get(scope, 0))


def _at_least(request: Request, scope: str) -> bool:
    return _RANK.get(effective_scope(request) or "", 0) >= _RANK[scope]


def can_write(request: Request) -> bool:
    """Configuration changes: the admin role, with an admin-scoped token when a token was used."""
    return _at_least(request, "admin")


def can_operate(request: Request) -> bool:
    """Operator actions (chat, run now, takeover): the operator role or higher."""
    return _at_least(request, "write")


def can_read(request: Request) -> bool:
    """Any role (viewer and up), by session or token."""
    return _at_least(request, "read")


class ReadOnlyOrAdmin(permissions.BasePermission):
    """GET/HEAD/OPTIONS for readers; everything else for writers (403 for a read-only token)."""

    message = "This is read-only for you: writes need the admin role (and an admin-scoped token when a token is used)."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return can_read(request)
        return can_write(request)


class AdminOnly(permissions.BasePermission):
    """For reads that reveal operational control (e.g. YAML export with references) — writers only."""

    message = "This endpoint needs the admin role (and an admin-scoped token when a token is used)."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return can_write(request)


class OperatorOrAdmin(permissions.BasePermission):
    """Operator actions — web/API chat, "run now", human takeover — for operators and admins; reads for any role."""

    message = "This action needs the operator or admin role (and a token of at least write scope)."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return can_read(request)
        return can_operate(request)
