"""Reading settings from the environment: typed getters and DATABASE_URL parsing."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlparse

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_str(name: str, default: str = "") -> str:
    """A string variable, or the default when unset or empty."""
    value = os.environ.get(name, "")
    return value if value != "" else default


def env_bool(name: str, default: bool = False) -> bool:
    """A boolean variable: 1/true/yes/on (any case) are true."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def env_int(name: str, default: int) -> int:
    """An integer variable; a malformed value is an error that names the variable."""
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"environment variable {name} must be an integer, got {value!r}") from exc


def env_float(name: str, default: float) -> float:
    """A number variable; a malformed value is an error that names the variable."""
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ValueError(f"environment variable {name} must be a number, got {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list variable."""
    value = os.environ.get(name, "")
    if value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url: str) -> dict[str, object]:
    """Django DATABASES entry for a postgres:// or sqlite:/// URL."""
    parsed = urlparse(url)
    scheme = parsed.scheme.split("+")[0]
    if scheme in {"postgres", "postgresql", "pgsql"}:
        options: dict[str, object] = {
            # Parameters bound by the server, and a statement run five times on a connection prepared there: the
            # pipeline runs the same dozen statements for every message, so PostgreSQL stops parsing and planning
            # them and psycopg stops quoting every value into the SQL text (bench/webhook_load.py --distributed:
            # worker and PostgreSQL CPU per message, docs/deployment.md). Behind a pooler in transaction mode
            # (PgBouncer < 1.21), add ?prepare_threshold=none to the URL.
            "server_side_binding": True,
            "prepare_threshold": 5,
        }
        for key, values in parse_qs(parsed.query).items():
            options[key] = _option_value(values[-1])
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    if scheme == "sqlite":
        return {"ENGINE": "gatewaysite.sqlite_backend", "NAME": unquote(parsed.path) or ":memory:"}
    raise ValueError(f"DATABASE_URL: unsupported scheme {parsed.scheme!r} (use postgresql:// or sqlite:///)")


def _option_value(raw: str) -> object:
    """A DATABASE_URL query value as Django's OPTIONS expect it: true/false, none, an integer, or the text."""
    lowered = raw.strip().lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    if lowered in {"none", "null"}:
        return None
    try:
        return int(raw)
    except ValueError:
        return raw
