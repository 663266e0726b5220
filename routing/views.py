"""Probe views for load balancers and operators."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse


def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers HTTP."""
    return JsonResponse({"status": "ok"})
