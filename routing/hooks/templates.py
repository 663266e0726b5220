"""PraisonAI's hook templates: `{{ payload.a.b }}` and `{a.b}` resolve dotted paths in the JSON body.

A missing key renders as '' (never an error), and a value is inserted once, never re-expanded.
"""

from __future__ import annotations

import json
import re

PLACEHOLDER = re.compile(r"\{\{\s*([^}]+?)\s*\}\}|\{\s*([^{}]+?)\s*\}")


def lookup(path: str, payload: object) -> object:
    """The value at a dotted path (`payload.` prefix optional); '' when any step is missing."""
    current = payload
    parts = path.strip().split(".")
    if parts and parts[0] == "payload":
        parts = parts[1:]
    for part in parts:
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return ""
    return current


def render(template: str, payload: dict) -> str:
    """The template with each placeholder replaced; mappings and lists render as compact JSON."""

    def value(match: re.Match[str]) -> str:
        found = lookup(match.group(1) or match.group(2), payload)
        if isinstance(found, dict | list):
            return json.dumps(found, ensure_ascii=False, separators=(",", ":"))
        return "" if found is None else str(found)

    return PLACEHOLDER.sub(value, template)
