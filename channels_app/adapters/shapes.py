"""Shape checks for signed platform payloads: a wrong type is a 400 naming its field path, not a crash.

A verified body is authentic but not necessarily well-formed (a proxy bug, a platform change, a tester with the
secret); `for x in payload.get("entry") or []` on `entry: 5` raised TypeError and answered 500.
"""

from __future__ import annotations

from typing import Any

from channels_app.adapters.base import MalformedPayload


def items(value: Any, path: str) -> list[Any]:
    """`value` as a list (absent or null is empty); anything else is malformed at `path`."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedPayload(f"{path} must be an array, got {type(value).__name__}")
    return value


def mapping(value: Any, path: str) -> dict[str, Any]:
    """`value` as an object (absent or null is empty); anything else is malformed at `path`."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedPayload(f"{path} must be an object, got {type(value).__name__}")
    return value
