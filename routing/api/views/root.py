"""GET /api/v1/: every endpoint of the API with its methods and what it does (DRF's router root knew only the
resources it registered). Like every /api/v1/ operation it needs a token or a session (the schema does not)."""

from __future__ import annotations

import re
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

PREFIX = "api/v1/"
METHODS = ("get", "post", "put", "patch", "delete")
ACTIONS = {"list": "get", "retrieve": "get", "create": "post", "update": "put", "partial_update": "patch",
           "destroy": "delete"}  # fmt: skip


def _walk(patterns: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found.extend(_walk(pattern.url_patterns, route))
        elif isinstance(pattern, URLPattern):
            found.append((route, pattern.callback))
    return found


def _readable(route: str) -> str:
    """`agents/(?P<name>[-a-zA-Z0-9_]+)/` or `agents/<slug:name>/chat` → `/api/v1/agents/<name>/…`."""
    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
    route = re.sub(r"<\w+:(\w+)>", r"<\1>", route)
    return "/" + route.replace("<pk>", "<id>")  # as the schema names it


def _methods(callback: Any) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions:
        return sorted({method.upper() for method in actions})
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    return sorted(m.upper() for m in METHODS if view is not None and hasattr(view, m))


def _summary(callback: Any) -> str:
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    actions = getattr(callback, "actions", None) or {}
    for name in actions.values():
        doc = getattr(getattr(view, name, None), "__doc__", None)
        if doc and name not in ACTIONS:
            return doc.strip().splitlines()[0]
    doc = (view.__doc__ if view is not None else None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def endpoints() -> list[dict[str, Any]]:
    """Every /api/v1/ route (format-suffix duplicates left out), sorted by path."""
    seen: dict[str, dict[str, Any]] = {}
    for route, callback in _walk(get_resolver().url_patterns):
        if not route.startswith(PREFIX) or "<format>" in route or "(?P<format>" in route:
            continue
        path = _readable(route)
        entry = seen.setdefault(path, {"path": path, "methods": [], "description": _summary(callback)})
        entry["methods"] = sorted(set(entry["methods"]) | set(_methods(callback)))
    return sorted(seen.values(), key=lambda item: item["path"])


class ApiRootView(APIView):
    """Every endpoint of the API: path, methods and what it does; details and examples in /api/docs/."""

    def get(self, request: Request) -> Response:
        return Response({"docs": "/api/docs/", "schema": "/api/schema/", "endpoints": endpoints()})
