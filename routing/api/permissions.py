"""Read-only vs admin: any authenticated user with API access may read; writes need an admin token or a staff session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import permissions

from routing.api.models import ApiToken

if TYPE_CHECKING:  # rest_framework.views imports this module through its settings: no runtime import back
    from rest_framework.request import Request
    from rest_framework.views import APIView


def can_write(request: Request) -> bool:
    """A staff user, and, when the request came with a token, a token of scope admin."""
    user = request.user
    if not (user and user.is_authenticated and user.is_staff):
        return False
    if isinstance(request.auth, ApiToken):
        return request.auth.scope == ApiToken.Scope.ADMIN
    return True


def can_read(request: Request) -> bool:
    """Any token holder; a browser session only for staff (the admin's users)."""
    user = request.user
    if not (user and user.is_authenticated):
        return False
    return isinstance(request.auth, ApiToken) or user.is_staff


class ReadOnlyOrAdmin(permissions.BasePermission):
    """GET/HEAD/OPTIONS for readers; everything else for writers (403 for a read-only token)."""

    message = "This token is read-only: writes need an admin-scoped token of a staff user."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return can_read(request)
        return can_write(request)


class AdminOnly(permissions.BasePermission):
    """For reads that reveal operational control (e.g. YAML export with references) — writers only."""

    message = "This endpoint needs an admin-scoped token of a staff user."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return can_write(request)
