"""`${VAR}` secret references: stored and exported as written, resolved only at the moment of use.

Neutral module so that both apps can resolve credentials without importing each other.
"""

from __future__ import annotations

import fnmatch
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


def variable_allowed(name: str) -> bool:
    """Whether configuration may expand `${name}` (settings GATEWAY_ENV_ALLOW / GATEWAY_ENV_DENY).

    Configuration comes from operators, the API and imported files; without this, `callback_url:
    http://x/?d=${SECRET_KEY}` would send the gateway's own secrets wherever the file says. With an allow-list
    only the names or `PREFIX_*` patterns it lists expand; otherwise anything but the deny-list does (the
    default, so `${SLACK_BOT_TOKEN}`, `${OPENAI_API_KEY}` and foreign configs' names keep working).
    """
    from django.conf import settings

    allow = [str(p) for p in getattr(settings, "GATEWAY_ENV_ALLOW", []) or []]
    if allow:
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in allow)
    deny = [str(p) for p in getattr(settings, "GATEWAY_ENV_DENY", []) or []]
    return not any(fnmatch.fnmatchcase(name, pattern) for pattern in deny)


def refused_variables(value: object) -> list[str]:
    """The variables `value` refers to that configuration may not expand."""
    return [name for name in referenced_variables(value) if not variable_allowed(name)]


def resolve_secret(value: str | None) -> str | None:
    """Resolve `${VAR}` references in `value`; None when empty or when a referenced variable is unset or refused.

    An unset variable is never turned into an empty string: callers must treat None as "not configured". A variable
    outside the allow-list (variable_allowed) counts as unset, so it never leaves the process.
    """
    if value is None or value == "":
        return None
    missing = False

    def substitute(match: re.Match[str]) -> str:
        nonlocal missing
        found = os.environ.get(match.group(1)) if variable_allowed(match.group(1)) else None
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
