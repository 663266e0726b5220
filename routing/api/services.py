"""The services the API calls that other parts of the gateway own (schedules, push, broadcast, status, YAML).

Each is looked up by dotted path when called, so the API can be mounted before every part has landed; a missing one
answers 503 with the path it needs instead of failing at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException


class ServiceUnavailable(APIException):
    """A gateway part the endpoint relies on is not installed in this build."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "This operation is not available in this build."
    default_code = "service_unavailable"


# name → candidate dotted paths, first importable wins.
HOOKS: dict[str, tuple[str, ...]] = {
    "schedule_run_now": ("routing.schedules.firing.schedule_run_now",),
    "broadcast": ("channels_app.realtime.broadcast.broadcast",),
    "push_channel_list": ("channels_app.realtime.push.channel_list",),
    "push_channel_create": ("channels_app.realtime.push.channel_create",),
    "push_publish": ("channels_app.realtime.push.publish",),
    "presence_list": ("channels_app.realtime.presence.query",),
    "gateway_status": ("routing.status.snapshot.gateway_status_snapshot",),
    "yaml_export": ("routing.yaml_config.exporter.export_gateway_yaml",),
    "yaml_import": ("routing.yaml_config.importer.import_gateway_yaml",),
}


def resolve(name: str) -> Callable[..., Any]:
    """The callable behind hook `name`, or ServiceUnavailable naming what is missing."""
    for dotted in HOOKS[name]:
        module_name, _, attr = dotted.rpartition(".")
        try:
            module = import_module(module_name)
        except ImportError:
            continue
        func = getattr(module, attr, None)
        if callable(func):
            return func
    raise ServiceUnavailable(f"{name} is not available in this build (expected {HOOKS[name][0]}).")


def available(name: str) -> bool:
    """Whether hook `name` resolves (used by /status to list what this build can do)."""
    try:
        resolve(name)
    except ServiceUnavailable:
        return False
    return True


def schedule_run_now(schedule: Any) -> Any:
    """Fire a schedule now; returns its ScheduleRun."""
    return resolve("schedule_run_now")(schedule)


def yaml_export(agents: list[str] | None = None, channels: list[str] | None = None) -> str:
    """The configuration as gateway.yaml text (secrets only as ${VAR} references); with names, only those objects
    and what they refer to, like the admin's "export selected"."""
    exporter = resolve("yaml_export")
    result = exporter() if agents is None and channels is None else exporter(agents=agents, channels=channels)
    return result.as_yaml() if hasattr(result, "as_yaml") else str(result)


def yaml_import(text: str, *, dry_run: bool, prune: bool) -> dict[str, Any]:
    """Apply (or diff) a gateway.yaml; configuration errors become a 400 with each key path as the field."""
    from rest_framework.exceptions import ValidationError

    from routing.yaml_config.issues import ConfigError

    importer = resolve("yaml_import")
    try:
        report = importer(text, dry_run=dry_run, prune=prune)
    except ConfigError as exc:
        errors: dict[str, list[str]] = {}
        for issue in exc.issues:
            if issue.level == "error":
                errors.setdefault(issue.path or "non_field_errors", []).append(issue.message)
        raise ValidationError(errors) from exc
    return {
        "dry_run": dry_run,
        "changed": bool(report.changes),
        "summary": report.summary(),
        "changes": [
            {"section": c.section, "name": c.name, "action": c.action, "fields": list(c.fields)} for c in report.changes
        ],
        "warnings": [{"field": w.path, "message": w.message} for w in report.warnings],
    }


class PushRefused(APIException):
    """The push service refused the request (unknown channel, bad name or payload)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "push_error"


def _push_call(name: str, *args: Any) -> Any:
    """Call a push service, turning its PushError into 404 (channel_not_found) or 400 with its code."""
    try:
        return resolve(name)(*args)
    except ValueError as exc:
        code = getattr(exc, "code", "")
        if not code:
            raise
        error = PushRefused(str(exc), code=code)
        if code == "channel_not_found":
            error.status_code = status.HTTP_404_NOT_FOUND
        raise error from exc


def broadcast(data: Any, publisher: str) -> dict[str, Any]:
    """Send a broadcast event to every WebSocket client; returns its event id."""
    return {"event_id": resolve("broadcast")(data, source=publisher)}


def push_channel_list() -> list[dict[str, Any]]:
    return _push_call("push_channel_list")


def push_channel_create(channel: str, metadata: dict[str, Any], created_by: str) -> dict[str, Any]:
    row, created = _push_call("push_channel_create", channel, metadata, created_by)
    return {"channel": row.name, "metadata": row.metadata, "created": created}


def push_publish(channel: str, data: Any, publisher: str) -> dict[str, Any]:
    """Publish on a push channel; {channel, seq, event_id, delivered}."""
    return _push_call("push_publish", channel, data, publisher)


def presence_list(channel: str) -> list[dict[str, Any]]:
    return _push_call("presence_list", channel)
