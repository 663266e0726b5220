"""CSRF refusals under /api/ answer in the API's JSON error shape instead of Django's HTML page.

A cookie-carrying write to an /api/ path no API view serves (a name with characters the URL pattern refuses) was
refused by the CSRF middleware with an HTML page, which an API client cannot read and the OpenAPI schema does not
describe. Elsewhere (admin, ops pages) Django's own page stays.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.csrf import csrf_failure as django_csrf_failure


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: JSON `{"detail": ...}` with 403 for API paths, Django's page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"CSRF verification failed: {reason}"}, status=403)
    return django_csrf_failure(request, reason)
