"""`${VAR}` secret references: stored and exported as written, resolved only at the moment of use.

Neutral module so that both apps can resolve credentials without importing each other.
"""

from __future__ import annotations

import os
import re

REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
EMBEDDED_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
MASK = "••••••••"


def is_reference(value: object) -> bool:
    """True when the whole value is one `${VAR}` reference."""
    return isinstance(value, str) and bool(REFERENCE.match(value.strip()))


def referenced_variables(value: object) -> list[str]:
    """Names of the environment variables a value refers to."""
    if not isinstance(value, str):
        return []
    return EMBEDDED_REFERENCE.findall(value)


def resolve_secret(value: str | None) -> str | None:
    """Resolve `${VAR}` references in `value`; None when empty or when a referenced variable is unset.

    An unset variable is never turned into an empty string: callers must treat None as "not configured".
    """
    if value is None or value == "":
        return None
    missing = False

    def substitute(match: re.Match[str]) -> str:
        nonlocal missing
        found = os.environ.get(match.group(1))
        if found is None:
            missing = True
            return ""
        return found

    resolved = EMBEDDED_REFERENCE.sub(substitute, str(value))
    if missing or resolved == "":
        return None
    return resolved


def mask(value: str | None) -> str:
    """What an operator sees of a secret: references stay visible (they are not secret), values are masked."""
    if not value:
        return ""
    if is_reference(value):
        return value
    return MASK
