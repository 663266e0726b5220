"""Probe and metrics views for load balancers, orchestrators and Prometheus. Thin: the work is in routing.status."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from routing.api.gateway_auth import is_gateway_token
from routing.serving.access import loopback_trusted
from routing.status.health import health_body, uptime
from routing.status.metrics import metrics_text
from routing.status.probes import readiness


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness (always `status: ok` while the process answers) plus uptime, agents, channels, listeners, schedules.

    The details come from the database when it answers; an outage only drops them, so it never restarts the process.
    """
    return JsonResponse(health_body(detailed=_may_see_details(request)))


def _may_see_details(request: HttpRequest) -> bool:
    """Error texts and process names: for a local operator tool, a staff session or the gateway token."""
    if loopback_trusted(request) or (request.user.is_authenticated and request.user.is_staff):
        return True
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return False
    try:
        return is_gateway_token(header[7:].strip())
    except Exception:  # the database is away: liveness still answers, without the details
        return False


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """Liveness as PraisonAI's `gateway test --check-runtime` reads it: `alive: true`; touches nothing."""
    return JsonResponse({"alive": True, "status": "ok", "uptime": uptime()})


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database and the channel layer answer, 503 (with which one failed) otherwise.

    `ready` and `failing` are the fields PraisonAI's CLI reads; `status` and `checks` are what load balancers and our
    own tools read.
    """
    checks = readiness()
    ok = all(check.ok for check in checks)
    body = {
        "status": "ready" if ok else "unavailable",
        "ready": ok,
        "failing": [check.name for check in checks if not check.ok],
        "uptime": uptime(),
        "checks": {check.name: check.as_dict() for check in checks},
    }
    return JsonResponse(body, status=200 if ok else 503)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text exposition: messages in/out, agent latency, WebSocket connections, queue depth, schedule runs."""
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
