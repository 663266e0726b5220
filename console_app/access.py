"""Role checks for the operator pages: anonymous visitors go to the admin login, a user without the role gets 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden

from console_app.roles import has_role, role_of

View = Callable[..., HttpResponse]


def role_required(role: str) -> Callable[[View], View]:
    """The view runs for users whose role is `role` or higher."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), "/admin/login/")
            if not has_role(request.user, role):
                have = role_of(request.user) or "no role"
                return HttpResponseForbidden(
                    f"This page needs the {role} role; you have {have}. Ask an admin to change your group.",
                    content_type="text/plain; charset=utf-8",
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
