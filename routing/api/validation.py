"""Bridge from API serializers to the one validation layer shared with the admin and the YAML importer.

The serializer's attributes become the importer's config dataclass, the shared checks run on it, and each issue's
key path (`channels.<name>.routing.default`) becomes the API field path (`routing.default`) with the same message.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from rest_framework import serializers

from routing.yaml_config.issues import ConfigIssue

SECTION = {
    "agent": "agents",
    "guardrail": "guardrails.registry",
    "channel": "channels",
    "schedule": "schedules",
    "routing_rule": "channels",
    "provider": "provider",
    "gateway": "gateway",
}


def merged(instance: Model | None, attrs: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The object as it will be after this write: stored values overlaid with the submitted ones (PATCH-safe)."""
    values = {}
    for name in fields:
        if name in attrs:
            values[name] = attrs[name]
        elif instance is not None:
            values[name] = getattr(instance, name)
    return values


def field_path(kind: str, name: str, issue_path: str) -> str:
    """`channels.telegram-vip.routing.default` → `routing.default` (the part below the object itself)."""
    prefix = SECTION[kind]
    if name:
        prefix = f"{prefix}.{name}"
    if issue_path == prefix:
        return ""
    if issue_path.startswith(prefix + "."):
        return issue_path[len(prefix) + 1 :]
    return issue_path


def raise_for(kind: str, name: str, issues: list[ConfigIssue]) -> None:
    """A DRF ValidationError keyed by field path, with the shared layer's messages unchanged."""
    errors: dict[str, list[str]] = {}
    for issue in issues:
        if issue.level != "error":
            continue
        errors.setdefault(field_path(kind, name, issue.path) or "non_field_errors", []).append(issue.message)
    if errors:
        raise serializers.ValidationError(errors)


def check(kind: str, instance: Model | None, attrs: dict[str, Any]) -> None:
    """Run the shared checks for one object; raises ValidationError with field paths when any fail."""
    checker = CHECKS.get(kind)
    if checker is None:
        return
    name, issues = checker(instance, attrs)
    raise_for(kind, name, issues)


def _check_channel(instance: Model | None, attrs: dict[str, Any]) -> tuple[str, list[ConfigIssue]]:
    from channels_app.platforms import get_platform

    values = merged(instance, attrs, ["name", "platform", "credentials", "options"])
    name = str(values.get("name") or "")
    spec = get_platform(str(values.get("platform") or ""))
    issues: list[ConfigIssue] = []
    if spec is not None:
        for missing in spec.missing_credentials(values.get("credentials") or {}):
            issues.append(ConfigIssue(f"channels.{name}.{missing.split(' or ')[0]}", f"required: {missing}"))
    return name, issues


CHECKS = {
    "channel": _check_channel,
}
