"""Bridge from API serializers to the one validation layer shared with the admin and the YAML importer.

The object is rewritten in its gateway.yaml form, the importer's `Validator` checks it with the same code, and each
issue's key path (`channels.telegram-vip.token`) becomes the API field path (`credentials.token`) with the message
unchanged, so the same bad input reads the same in the admin, the API and `import_gateway_yaml`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model
from rest_framework import serializers

from agents_app.models import Agent
from channels_app.models import ChannelInstance
from routing.yaml_config.issues import ConfigIssue, join_path
from routing.yaml_config.validate import Validator, validate_agent_fields, validate_channel_fields

NON_FIELD = "non_field_errors"


def merged(instance: Model | None, attrs: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The object as it will be after this write: stored values overlaid with the submitted ones (PATCH-safe)."""
    values: dict[str, Any] = {}
    for name in fields:
        if name in attrs:
            values[name] = attrs[name]
        elif instance is not None:
            values[name] = getattr(instance, name)
    return values


def validator() -> Validator:
    """A Validator that knows the agents and channels already in the database (references may point at them)."""
    return Validator(
        dict(Agent.objects.values_list("name", "enabled")),
        dict(ChannelInstance.objects.values_list("name", "platform")),
    )


def raise_for(issues: list[ConfigIssue], base: str, to_field: Callable[[str], str]) -> None:
    """A DRF ValidationError keyed by API field path, with the shared layer's messages unchanged."""
    errors: dict[str, list[str]] = {}
    for issue in issues:
        if issue.level != "error":
            continue
        rest = issue.path[len(base) :].lstrip(".") if issue.path.startswith(base) else issue.path
        errors.setdefault(to_field(rest) or NON_FIELD, []).append(issue.message)
    if errors:
        raise serializers.ValidationError(errors)


def plain(rest: str) -> str:
    """Key paths whose YAML key is the API field name."""
    return rest


def check_agent(instance: Model | None, attrs: dict[str, Any]) -> None:
    fields = ["name", "instructions", "model", "temperature", "tools", "memory", "base_url", "api_key", "enabled"]
    values = merged(instance, attrs, fields)
    name = values.pop("name", "")
    base = join_path("agents", name)
    raise_for(validate_agent_fields(name, values), base, lambda rest: rest or "name")


def check_delegates(instance: Model | None, attrs: dict[str, Any]) -> None:
    """`delegates` names other existing agents (a list of names), never the agent itself."""
    if "delegates" not in attrs:
        return
    value = attrs["delegates"]
    name = attrs.get("name") or getattr(instance, "name", "")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise serializers.ValidationError({"delegates": ["must be a list of agent names"]})
    known = set(Agent.objects.values_list("name", flat=True))
    problems = [f"unknown agent '{item}'" for item in value if item not in known]
    problems += ["an agent cannot delegate to itself"] if name in value else []
    if problems:
        raise serializers.ValidationError({"delegates": problems})


def check_guardrail(instance: Model | None, attrs: dict[str, Any]) -> Agent | None:
    """Returns the agent the guardrail is scoped to (None: every agent)."""
    values = merged(instance, attrs, ["name", "description", "agent", "enabled"])
    name = values.get("name", "")
    agent = values.get("agent")
    data = {
        "description": values.get("description"),
        "agent_name": agent.name if isinstance(agent, Agent) else (agent or ""),
        "enabled": values.get("enabled", True),
    }
    base = join_path("guardrails", "registry", name)
    v = validator()
    v.guardrail(base, name, data, v.known_agents)
    raise_for(v.issues, base, lambda rest: {"agent_name": "agent", "": "name"}.get(rest, rest))
    return Agent.objects.filter(name=data["agent_name"]).first() if data["agent_name"] else None


def check_channel(instance: Model | None, attrs: dict[str, Any]) -> None:
    values = merged(instance, attrs, ["name", "platform", "credentials", "options", "api_base_url", "enabled"])
    name = values.get("name", "")
    credentials = dict(values.get("credentials") or {})
    options = dict(values.get("options") or {})

    def to_field(rest: str) -> str:
        head = rest.split(".", 1)[0]
        if head in credentials:
            return f"credentials.{rest}"
        if head in options:
            return f"options.{rest}"
        if rest == "":
            # Missing credentials are reported on the channel itself; the API puts them on `credentials`.
            return "credentials" if any("credential" in i.message for i in issues if i.path == base) else "name"
        return rest

    base = join_path("channels", name)
    issues = validate_channel_fields(
        name, str(values.get("platform") or ""), credentials, options, values.get("api_base_url") or ""
    )
    raise_for(issues, base, to_field)


def check_routing_agent(attrs: dict[str, Any]) -> Agent:
    """The agent a routing rule names, checked like `channels.<name>.routing.<context>` in gateway.yaml."""
    v = validator()
    instance = attrs.get("instance")
    path = join_path("channels", getattr(instance, "name", ""), "routing", attrs.get("context", ""))
    name = v.agent_reference(path, attrs.get("agent_name"), v.known_agents)
    raise_for(v.issues, path, lambda rest: "agent")
    return Agent.objects.get(name=name)


def check_schedule(instance: Model | None, attrs: dict[str, Any]) -> tuple[Agent, ChannelInstance]:
    """Returns the resolved agent and channel instance."""
    fields = [
        "name",
        "schedule",
        "message",
        "agent",
        "instance",
        "channel_id",
        "thread_id",
        "timezone",
        "missed_run_policy",
        "enabled",
    ]
    values = merged(instance, attrs, fields)
    name = values.get("name", "")
    agent = values.get("agent")
    channel = values.get("instance")
    data: dict[str, Any] = {
        "schedule": values.get("schedule"),
        "message": values.get("message"),
        "agent": agent.name if isinstance(agent, Agent) else agent,
        "channel": channel.name if isinstance(channel, ChannelInstance) else channel,
        "channel_id": values.get("channel_id"),
        "thread_id": values.get("thread_id") or "",
        "timezone": values.get("timezone") or "UTC",
        "missed_runs": values.get("missed_run_policy") or "skip",
        "enabled": values.get("enabled", True),
    }
    data = {key: value for key, value in data.items() if value is not None}
    base = join_path("schedules", name)
    v = validator()
    v.schedule(base, name, data, v.known_agents, set(v.known_channels))
    raise_for(v.issues, base, lambda rest: {"missed_runs": "missed_run_policy", "": "name"}.get(rest, rest))
    return Agent.objects.get(name=data["agent"]), ChannelInstance.objects.get(name=data["channel"])


GATEWAY_PATHS = {
    "session.timeout": "session_timeout",
    "session.max_messages": "session_max_messages",
    "push.enabled": "push_enabled",
}


# Named alike in gateway.yaml and on the model (session commands and /background).
SESSION_COMMAND_FIELDS = [
    "session_reset_commands",
    "background_command",
    "background_notification_level",
    "max_background_tasks",
]
GATEWAY_FIELDS = [
    "host",
    "port",
    "auth_token",
    "allowed_origins",
    "max_connections",
    "heartbeat_interval",
    "reconnect_timeout",
    "ssl_cert",
    "ssl_key",
    "session_timeout",
    "session_max_messages",
    "push_enabled",
    "push_options",
    *SESSION_COMMAND_FIELDS,
]


def check_gateway(instance: Model | None, attrs: dict[str, Any]) -> None:
    values = merged(instance, attrs, GATEWAY_FIELDS)
    data: dict[str, Any] = {
        key: values[key]
        for key in GATEWAY_FIELDS[:9]
        if key in values  # the plain keys are named alike in gateway.yaml
    }
    session = {}
    if "session_timeout" in values:
        session["timeout"] = values["session_timeout"]
    if "session_max_messages" in values:
        session["max_messages"] = values["session_max_messages"]
    if session:
        data["session"] = session
    push = dict(values.get("push_options") or {})
    if "push_enabled" in values:
        push["enabled"] = values["push_enabled"]
    if push:
        data["push"] = push
    data.update({key: values[key] for key in SESSION_COMMAND_FIELDS if key in values})

    def to_field(rest: str) -> str:
        if rest in GATEWAY_PATHS:
            return GATEWAY_PATHS[rest]
        if rest.startswith("push."):
            return "push_options." + rest[len("push.") :]
        return rest

    v = validator()
    v.gateway(data)
    raise_for(v.issues, "gateway", to_field)
