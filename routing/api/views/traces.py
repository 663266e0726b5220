"""Traces over the API: search turns, and one turn's whole timeline (the same data as the /ops/traces/ pages)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from routing.traces.build import TraceNotFound, build_trace
from routing.traces.search import search_traces


class TraceListView(APIView):
    """Turns, newest first, optionally matching `q` in `field` (any, text, conversation, sender, platform_id)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="text, conversation key or chat id, sender id, or platform id"),
            OpenApiParameter("field", str, enum=["any", "text", "conversation", "sender", "platform_id"]),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        rows = search_traces(request.query_params.get("q", ""), field=request.query_params.get("field", "any"))
        for row in rows:
            row["url"] = request.build_absolute_uri(f"/api/v1/traces/{row['id']}/")
        return Response({"count": len(rows), "results": rows})


class TraceDetailView(APIView):
    """One turn: inbound, routing, session, agent runs (input, output, tools, verdicts, tokens, cost), outbound
    chunks and the timeline with the milliseconds between steps. Ids are `event-<id>` or `run-<id>`."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, trace_id: str) -> Response:
        try:
            return Response(build_trace(trace_id))
        except TraceNotFound as exc:
            raise NotFound(str(exc)) from exc
