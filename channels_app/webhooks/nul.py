"""NUL characters out of inbound data before it is stored.

PostgreSQL cannot store U+0000 in a text column or a jsonb value ("unsupported Unicode escape sequence"), and JSON
lets any sender put one in a message. Left in, a signed Slack message answered 503 on every redelivery and a
WhatsApp batch lost the good message beside it. We strip them (SQLite would take them, but one behaviour on both
databases) and mark the event so an operator can tell.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

NUL = "\x00"
MARK = "nul_stripped"  # key set to True in the stored event payload when anything was stripped

T = TypeVar("T")


def strip_nul(value: Any) -> tuple[Any, bool]:
    """`value` with NUL removed from every string in it (dict keys included); True when anything changed."""
    if isinstance(value, str):
        return (value.replace(NUL, ""), True) if NUL in value else (value, False)
    if isinstance(value, dict):
        changed = False
        out: dict[Any, Any] = {}
        for key, item in value.items():
            new_key, key_changed = strip_nul(key)
            new_item, item_changed = strip_nul(item)
            out[new_key] = new_item
            changed = changed or key_changed or item_changed
        return (out, True) if changed else (value, False)
    if isinstance(value, list | tuple):
        results = [strip_nul(item) for item in value]
        if any(changed for _, changed in results):
            return type(value)(item for item, _ in results), True
        return value, False
    return value, False


def clean_message(message: T) -> tuple[T, bool]:
    """A dataclass message (InboundMessage, DeliveryStatus) with NUL stripped from every field."""
    changes: dict[str, Any] = {}
    for item in dataclasses.fields(message):  # type: ignore[arg-type]
        cleaned, changed = strip_nul(getattr(message, item.name))
        if changed:
            changes[item.name] = cleaned
    if not changes:
        return message, False
    return dataclasses.replace(message, **changes), True  # type: ignore[type-var]
