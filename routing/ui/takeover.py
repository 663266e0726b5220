"""Takeover actions on the session page (operators and admins) and its live message feed (any role)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET, require_POST

from console_app import takeover
from console_app.access import role_required
from console_app.roles import OPERATOR, VIEWER
from routing.models import Session


def _session(pk: int) -> Session:
    return get_object_or_404(Session.objects.select_related("instance"), pk=pk)


def _answer(session: Session, error: str = "", status: int = 200) -> JsonResponse:
    current = takeover.state(session)
    return JsonResponse({"takeover": current, "error": error}, status=status)


@require_POST
@role_required(OPERATOR)
def start(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    try:
        takeover.start(session, request.user.get_username())
    except takeover.TakeoverError as exc:
        return _answer(session, str(exc), 400)
    return _answer(session)


@require_POST
@role_required(OPERATOR)
def hand_back(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    try:
        takeover.hand_back(session, request.user.get_username())
    except takeover.TakeoverError as exc:
        return _answer(session, str(exc), 400)
    return _answer(session)


@require_POST
@role_required(OPERATOR)
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    try:
        rows = takeover.reply(session, request.user.get_username(), request.POST.get("text", ""))
    except takeover.TakeoverError as exc:
        return _answer(session, str(exc), 400)
    failed = [row.error for row in rows if row.status == "failed"]
    return _answer(session, f"delivery failed: {failed[0]}" if failed else "", 502 if failed else 200)


@require_GET
@role_required(VIEWER)
def messages(request: HttpRequest, pk: int) -> HttpResponse:
    """Messages after `?after=<seq>` and the takeover state: the page polls this every second or two."""
    session = _session(pk)
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    return JsonResponse({"messages": takeover.messages_after(session, after), "takeover": takeover.state(session)})
