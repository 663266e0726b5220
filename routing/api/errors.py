"""JSON errors with field paths: every API error has `detail`, and validation errors list `errors[{field, message}]`.

Nested DRF errors (`{"credentials": {"token": ["…"]}}`) are flattened to dotted paths (`credentials.token`), the same
shape the YAML importer uses for its key paths, so a client can show any error next to the field it concerns.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = "non_field_errors"


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """[{field, message, code}] from a DRF error structure; `field` is "" for errors about the whole object."""
    found: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            key = "" if key in (NON_FIELD, "detail") else str(key)
            path = f"{prefix}.{key}" if prefix and key else (prefix or key)
            found.extend(flatten_errors(value, path))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            for item in detail:
                found.append({"field": prefix, "message": str(item), "code": getattr(item, "code", "invalid")})
        else:
            for index, item in enumerate(detail):
                found.extend(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        found.append({"field": prefix, "message": str(detail), "code": getattr(detail, "code", "invalid")})
    return found


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, reshaped: `{"detail": str, "errors": [...]}` for validation errors, `{"detail": str}` otherwise."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        response.data = {"detail": "Invalid input.", "errors": errors}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response
