"""The session page: the transcript first (each turn linked to its trace), then what the session is."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from console_app import takeover
from console_app.access import role_required
from console_app.roles import OPERATOR, VIEWER, has_role
from routing.models import Session
from routing.ui.ws_token import ops_token_for


def transcript(session: Session) -> list[dict]:
    """The session's messages, oldest first, each with the trace of the turn it belongs to."""
    rows = []
    for message in session.messages.order_by("seq"):
        meta = message.metadata or {}
        event = meta.get("inbound_event")
        rows.append(
            {
                "seq": message.seq,
                "role": message.role,
                "content": message.content,
                "at": message.created_at,
                "trace": f"event-{event}" if str(event or "").isdigit() else "",
                "by": meta.get("operator", ""),
            }
        )
    return rows


@role_required(VIEWER)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session.objects.select_related("instance", "agent"), pk=pk)
    return render(
        request,
        "ops/session.html",
        {
            "session": session,
            "transcript": transcript(session),
            "takeover": takeover.state(session),
            "can_take_over": has_role(request.user, OPERATOR) and session.instance_id is not None,
            "active": "traces",
            "ws_token": ops_token_for(request.user),
        },
    )
