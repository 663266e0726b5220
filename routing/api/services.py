"""The services the API calls that other parts of the gateway own (schedules, push, broadcast, YAML), adapted to
what the API answers (400/404 with the service's own error code)."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException

from channels_app.realtime import broadcast as realtime_broadcast
from channels_app.realtime import presence, push
from routing.schedules import firing
from routing.yaml_config.exporter import export_gateway_yaml
from routing.yaml_config.importer import import_gateway_yaml


def schedule_run_now(schedule: Any) -> Any:
    """Fire a schedule now; returns its ScheduleRun."""
    return firing.schedule_run_now(schedule)


def yaml_export(agents: list[str] | None = None, channels: list[str] | None = None) -> str:
    """The configuration as gateway.yaml text (secrets only as ${VAR} references); with names, only those objects
    and what they refer to, like the admin's "export selected"."""
    if agents is None and channels is None:
        result = export_gateway_yaml()
    else:
        result = export_gateway_yaml(agents=agents, channels=channels)
    return result.as_yaml() if hasattr(result, "as_yaml") else str(result)


def yaml_import(text: str, *, dry_run: bool, prune: bool) -> dict[str, Any]:
    """Apply (or diff) a gateway.yaml; configuration errors become a 400 with each key path as the field."""
    from rest_framework.exceptions import ValidationError

    from routing.yaml_config.issues import ConfigError

    try:
        report = import_gateway_yaml(text, dry_run=dry_run, prune=prune)
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


def _push_call(func: Any, *args: Any) -> Any:
    """Call a push service, turning its PushError into 404 (channel_not_found) or 400 with its code."""
    try:
        return func(*args)
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
    return {"event_id": realtime_broadcast.broadcast(data, source=publisher)}


def push_channel_list() -> list[dict[str, Any]]:
    return _push_call(push.channel_list)


def push_channel_create(channel: str, metadata: dict[str, Any], created_by: str) -> dict[str, Any]:
    row, created = _push_call(push.channel_create, channel, metadata, created_by)
    return {"channel": row.name, "metadata": row.metadata, "created": created}


def push_publish(channel: str, data: Any, publisher: str) -> dict[str, Any]:
    """Publish on a push channel; {channel, seq, event_id, delivered}."""
    return _push_call(push.publish, channel, data, publisher)


def presence_list(channel: str) -> list[dict[str, Any]]:
    return _push_call(presence.query, channel)
