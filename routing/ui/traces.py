"""The trace pages: search turns, and one turn's whole timeline (the same dict the API serves)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from console_app.access import role_required
from console_app.roles import VIEWER
from routing.traces.build import TraceNotFound, build_trace
from routing.traces.search import search_traces
from routing.ui.ws_token import ops_token_for

SEARCH_FIELDS = [
    ("any", "anything"),
    ("text", "message text"),
    ("conversation", "conversation"),
    ("sender", "sender id"),
    ("platform_id", "platform id"),
]


@role_required(VIEWER)
def trace_list(request: HttpRequest) -> HttpResponse:
    """Recent turns, or those matching the search box."""
    query = request.GET.get("q", "")
    field = request.GET.get("field", "any")
    return render(
        request,
        "ops/traces.html",
        {
            "rows": search_traces(query, field=field),
            "q": query,
            "field": field,
            "fields": SEARCH_FIELDS,
            "active": "traces",
            "ws_token": ops_token_for(request.user),
        },
    )


@role_required(VIEWER)
def trace_detail(request: HttpRequest, trace_id: str) -> HttpResponse:
    """One turn on one timeline."""
    try:
        trace = build_trace(trace_id)
    except TraceNotFound as exc:
        raise Http404(str(exc)) from exc
    return render(
        request,
        "ops/trace.html",
        {"trace": trace, "active": "traces", "ws_token": ops_token_for(request.user)},
    )
