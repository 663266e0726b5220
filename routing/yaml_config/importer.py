"""Importing a gateway.yaml: an idempotent upsert inside one transaction (any error writes nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models, transaction

from agents_app.mcp.models import McpServer
from agents_app.models import Agent, Guardrail, ProviderSettings
from channels_app.models import ChannelInstance, GatewaySettings
from routing.hooks.config import apply_hooks
from routing.models import Hook, RoutingRule, Schedule
from routing.yaml_config.access_tokens import apply_tokens
from routing.yaml_config.formats import translate
from routing.yaml_config.issues import ConfigIssue
from routing.yaml_config.loader import load_yaml
from routing.yaml_config.mcp_servers import apply_mcp_servers
from routing.yaml_config.model import GatewayConfig
from routing.yaml_config.validate import validate_config


@dataclass(frozen=True)
class Change:
    """One row the import creates, updates or deletes."""

    section: str
    name: str
    action: str
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        detail = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"{self.action} {self.section} {self.name}{detail}"


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    dry_run: bool = False
    changes: list[Change] = field(default_factory=list)
    warnings: list[ConfigIssue] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def summary(self) -> str:
        if not self.changes:
            return "No changes: the database already matches the file."
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.action] = counts.get(change.action, 0) + 1
        verb = "Would apply" if self.dry_run else "Applied"
        return f"{verb} {len(self.changes)} change(s): " + ", ".join(f"{n} {a}" for a, n in sorted(counts.items()))


def _upsert(
    report: ImportReport, model: type[models.Model], section: str, name: str, lookup: dict, values: dict
) -> models.Model:
    """Create the row, or update only the fields that differ, so a second import touches nothing."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.save()
        report.changes.append(Change(section, name, "create"))
        return obj
    changed = tuple(key for key, value in values.items() if getattr(obj, key) != value)
    if changed:
        for key in changed:
            setattr(obj, key, values[key])
        obj.save()
        report.changes.append(Change(section, name, "update", changed))
    return obj


def _apply(config: GatewayConfig, report: ImportReport, prune: bool) -> None:
    if config.provider_model is not None:
        _upsert(report, ProviderSettings, "provider", "model", {"pk": 1}, {"model": config.provider_model})
    if config.gateway:
        GatewaySettings.load()
        _upsert(report, GatewaySettings, "gateway", "settings", {"pk": 1}, dict(config.gateway))
    agents: dict[str, Agent] = {}
    for item in config.agents.values():
        values = {
            "instructions": item.instructions,
            "model": item.model,
            "temperature": item.temperature,
            "tools": item.tools,
            "memory": item.memory,
            "base_url": item.base_url,
            "api_key": item.api_key,
            "enabled": item.enabled,
            "delegates": item.delegates,
        }
        agents[item.name] = _upsert(report, Agent, "agent", item.name, {"name": item.name}, values)

    def agent(name: str | None) -> Agent | None:
        if name is None:
            return None
        return agents.get(name) or Agent.objects.get(name=name)

    for item in config.guardrails.values():
        values = {"description": item.description, "agent": agent(item.agent), "enabled": item.enabled}
        _upsert(report, Guardrail, "guardrail", item.name, {"name": item.name}, values)
    channels: dict[str, ChannelInstance] = {}
    for item in config.channels.values():
        values = {
            "platform": item.platform,
            "credentials": item.credentials,
            "options": item.options,
            "api_base_url": item.api_base_url,
            "enabled": item.enabled,
        }
        instance = _upsert(report, ChannelInstance, "channel", item.name, {"name": item.name}, values)
        channels[item.name] = instance
        for context, agent_name in item.routing.items():
            _upsert(
                report,
                RoutingRule,
                "route",
                f"{item.name}.{context}",
                {"instance": instance, "context": context},
                {"agent": agent(agent_name)},
            )
        for rule in instance.routing_rules.exclude(context__in=list(item.routing)):
            report.changes.append(Change("route", f"{item.name}.{rule.context}", "delete"))
            rule.delete()
    for item in config.schedules.values():
        values = {
            "schedule": item.schedule,
            "message": item.message,
            "agent": agent(item.agent),
            "instance": channels.get(item.channel) or ChannelInstance.objects.get(name=item.channel),
            "channel_id": item.channel_id,
            "thread_id": item.thread_id,
            "timezone": item.timezone,
            "missed_run_policy": item.missed_run_policy,
            "enabled": item.enabled,
        }
        _upsert(report, Schedule, "schedule", item.name, {"name": item.name}, values)
    apply_hooks(config.hooks, lambda *args: _upsert(report, *args), agent)
    apply_mcp_servers(config.mcp_servers, lambda *args: _upsert(report, *args))
    apply_tokens(
        config.access_tokens,
        lambda *args: _upsert(report, *args),
        lambda path, message: report.warnings.append(ConfigIssue(path, message, level="warning")),
    )
    if prune:
        for hook in Hook.objects.exclude(path__in=[item.path for item in config.hooks]):
            report.changes.append(Change("hook", hook.path, "delete"))
            hook.delete()
        for server in McpServer.objects.exclude(name__in=list(config.mcp_servers)):
            report.changes.append(Change("mcp_server", server.name, "delete"))
            server.delete()
        # Dependents first: schedules and channels hold protected references to agents.
        for model, section, names in (
            (Schedule, "schedule", config.schedules),
            (ChannelInstance, "channel", config.channels),
            (Guardrail, "guardrail", config.guardrails),
            (Agent, "agent", config.agents),
        ):
            for obj in model.objects.exclude(name__in=list(names)):
                report.changes.append(Change(section, obj.name, "delete"))
                obj.delete()


def import_gateway_yaml(text: str, *, dry_run: bool = False, prune: bool = False) -> ImportReport:
    """Validate and apply gateway.yaml text. Raises ConfigError (nothing written) when the file has errors."""
    data, translation_warnings, _format = translate(load_yaml(text))
    known_agents = {} if prune else dict(Agent.objects.values_list("name", "enabled"))
    known_channels = {} if prune else dict(ChannelInstance.objects.values_list("name", "platform"))
    config, warnings = validate_config(data, known_agents, known_channels)
    report = ImportReport(dry_run=dry_run, warnings=[*translation_warnings, *warnings])
    with transaction.atomic():
        _apply(config, report, prune)
        if dry_run:
            transaction.set_rollback(True)
    return report
