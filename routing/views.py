"""Probe and metrics views for load balancers, orchestrators and Prometheus. Thin: the work is in routing.status."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from routing.status.metrics import metrics_text
from routing.status.probes import readiness


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers HTTP (no dependency is touched, so a database outage does not restart it)."""
    return JsonResponse({"status": "ok"})


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database and the channel layer answer, 503 (with which one failed) otherwise."""
    checks = readiness()
    ok = all(check.ok for check in checks)
    body = {"status": "ready" if ok else "unavailable", "checks": {check.name: check.as_dict() for check in checks}}
    return JsonResponse(body, status=200 if ok else 503)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text exposition: messages in/out, agent latency, WebSocket connections, queue depth, schedule runs."""
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
