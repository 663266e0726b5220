"""Exporting the database as gateway.yaml that imports back to the same state; secrets never leave in clear."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from agents_app.models import Agent, Guardrail, ProviderSettings
from channels_app.models import ChannelInstance, GatewaySettings
from gatewaysite.secrets import is_reference
from routing.hooks.config import export_hooks
from routing.models import Schedule
from routing.yaml_config.mcp_servers import export_mcp_servers

HEADER = "# gateway.yaml exported by `manage.py export_gateway_yaml`. Secrets appear only as ${VAR} references.\n"


@dataclass
class Export:
    """The exported data, and the variables an operator must set for secrets that were stored in clear."""

    data: dict
    placeholders: list[str] = field(default_factory=list)

    def as_yaml(self) -> str:
        return HEADER + yaml.safe_dump(self.data, sort_keys=False, allow_unicode=True, default_flow_style=False)


def _secret(value: str, owner: str, key: str, placeholders: list[str]) -> str:
    """A reference stays as written; a literal secret becomes a reference to a variable named after its place."""
    if not value or is_reference(value):
        return value
    variable = re.sub(r"[^A-Z0-9]+", "_", f"GATEWAY_{owner}_{key}".upper()).strip("_")
    placeholders.append(variable)
    return f"${{{variable}}}"


def _gateway(placeholders: list[str]) -> dict:
    settings = GatewaySettings.load()
    push: dict[str, object] = {"enabled": settings.push_enabled, **settings.push_options}
    return {
        "host": settings.host,
        "port": settings.port,
        "auth_token": _secret(settings.auth_token, "gateway", "auth_token", placeholders),
        "allowed_origins": list(settings.allowed_origins),
        "max_connections": settings.max_connections,
        "heartbeat_interval": settings.heartbeat_interval,
        "reconnect_timeout": settings.reconnect_timeout,
        "ssl_cert": settings.ssl_cert,
        "ssl_key": settings.ssl_key,
        "session_config": {"timeout": settings.session_timeout, "max_messages": settings.session_max_messages},
        "push": push,
        "session_reset_commands": list(settings.session_reset_commands),
        "background_command": settings.background_command,
        "background_notification_level": settings.background_notification_level,
        "max_background_tasks": settings.max_background_tasks,
    }


def _agent(agent: Agent, placeholders: list[str]) -> dict:
    entry: dict[str, object] = {"instructions": agent.instructions, "model": agent.model}
    if agent.temperature is not None:
        entry["temperature"] = agent.temperature
    if agent.tools:
        entry["tools"] = list(agent.tools)
    entry["memory"] = agent.memory
    if agent.delegates:
        entry["delegates"] = list(agent.delegates)
    if agent.base_url:
        entry["base_url"] = agent.base_url
    if agent.api_key:
        entry["api_key"] = _secret(agent.api_key, f"agent_{agent.name}", "api_key", placeholders)
    if not agent.enabled:
        entry["enabled"] = False
    return entry


def _channel(instance: ChannelInstance, placeholders: list[str]) -> dict:
    entry: dict[str, object] = {}
    if instance.name != instance.platform:
        entry["platform"] = instance.platform
    if not instance.enabled:
        entry["enabled"] = False
    if instance.api_base_url:
        entry["api_base_url"] = instance.api_base_url
    secret_keys = instance.spec.secret_keys if instance.spec else set(instance.credentials)
    for key, value in instance.credentials.items():
        entry[key] = _secret(value, instance.name, key, placeholders) if key in secret_keys else value
    entry.update(instance.options)
    rules = {rule.context: rule.agent.name for rule in instance.routing_rules.select_related("agent")}
    if rules:
        entry["routing"] = {
            context: rules[context] for context in ("dm", "group", "channel", "default") if context in rules
        }
    return entry


def _schedule(schedule: Schedule) -> dict:
    entry: dict[str, object] = {
        "schedule": schedule.schedule,
        "message": schedule.message,
        "agent_id": schedule.agent.name,
        "channel": schedule.instance.name,
        "channel_id": schedule.channel_id,
    }
    if schedule.thread_id:
        entry["thread_id"] = schedule.thread_id
    if schedule.timezone != "UTC":
        entry["timezone"] = schedule.timezone
    if schedule.missed_run_policy != Schedule.MissedRunPolicy.SKIP:
        entry["missed_runs"] = schedule.missed_run_policy
    if not schedule.enabled:
        entry["enabled"] = False
    return entry


def export_gateway_yaml(
    agents: list[str] | None = None, channels: list[str] | None = None, include_gateway: bool = True
) -> Export:
    """Everything (or the named agents/channels, for the admin's "export selection") as gateway.yaml data."""
    placeholders: list[str] = []
    data: dict[str, object] = {"config_version": 1}
    whole = agents is None and channels is None
    if include_gateway and whole:
        data["gateway"] = _gateway(placeholders)
    agent_rows = Agent.objects.all() if agents is None else Agent.objects.filter(name__in=agents)
    channel_rows = (
        ChannelInstance.objects.all() if channels is None else ChannelInstance.objects.filter(name__in=channels)
    )
    if agents is not None or channels is not None:
        # A partial export carries what its rows refer to, so it imports on its own.
        needed = set(agents or []) | set(
            Agent.objects.filter(routing_rules__instance__in=channel_rows).values_list("name", flat=True)
        )
        agent_rows = Agent.objects.filter(name__in=needed)
    data["agents"] = {agent.name: _agent(agent, placeholders) for agent in agent_rows}
    data["channels"] = {instance.name: _channel(instance, placeholders) for instance in channel_rows}
    if whole:
        data["schedules"] = {
            schedule.name: _schedule(schedule) for schedule in Schedule.objects.select_related("agent", "instance")
        }
        registry = {}
        for guardrail in Guardrail.objects.select_related("agent"):
            entry: dict[str, object] = {
                "description": guardrail.description,
                "agent_name": guardrail.agent.name if guardrail.agent_id else "",
            }
            if not guardrail.enabled:
                entry["enabled"] = False
            registry[guardrail.name] = entry
        data["guardrails"] = {"registry": registry}
        data["provider"] = {"model": ProviderSettings.load().model}
        hooks = export_hooks(lambda value, owner, key: _secret(value, owner, key, placeholders))
        if hooks:
            data["hooks"] = hooks
        servers = export_mcp_servers(lambda value, owner, key: _secret(value, owner, key, placeholders))
        if servers:
            data["mcp_servers"] = servers
    return Export(data=data, placeholders=placeholders)
