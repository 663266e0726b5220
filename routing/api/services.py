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
    "schedule_run_now": ("routing.scheduling.services.schedule_run_now", "routing.scheduling.run.schedule_run_now"),
    "broadcast": ("channels_app.realtime.services.broadcast_publish", "channels_app.realtime.services.broadcast"),
    "push_channel_list": ("channels_app.realtime.services.push_channel_list",),
    "push_channel_create": ("channels_app.realtime.services.push_channel_create",),
    "push_publish": ("channels_app.realtime.services.push_publish",),
    "presence_list": ("channels_app.realtime.services.presence_list", "channels_app.realtime.services.presence_query"),
    "gateway_status": ("routing.status.gateway_status", "routing.status.services.gateway_status"),
    "yaml_export": ("routing.yaml_config.exporter.export_gateway_yaml", "routing.yaml_config.export_gateway_yaml"),
    "yaml_import": ("routing.yaml_config.importer.import_gateway_yaml", "routing.yaml_config.import_gateway_yaml"),
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


def yaml_import(text: str, *, dry_run: bool, prune: bool) -> dict[str, Any]:
    """Apply (or diff) a gateway.yaml; configuration errors become a 400 with each key path as the field."""
    from rest_framework.exceptions import ValidationError

    from routing.yaml_config.issues import ConfigError

    importer = resolve("yaml_import")
    try:
        result = importer(text, dry_run=dry_run, prune=prune)
    except ConfigError as exc:
        errors: dict[str, list[str]] = {}
        for issue in exc.issues:
            if issue.level == "error":
                errors.setdefault(issue.path or "non_field_errors", []).append(issue.message)
        raise ValidationError(errors) from exc
    return result if isinstance(result, dict) else {"result": result}
