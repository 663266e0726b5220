"""The validated, normalised configuration: what an import writes and what an export reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from routing.hooks.config import HookConfig
    from routing.yaml_config.access_tokens import TokenConfig
    from routing.yaml_config.mcp_servers import McpServerConfig


@dataclass
class AgentConfig:
    """One `agents.<name>` entry."""

    name: str
    instructions: str = ""
    model: str = ""
    temperature: float | None = None
    tools: list[str] = field(default_factory=list)
    memory: bool = False
    base_url: str = ""
    api_key: str = ""
    enabled: bool = True
    delegates: list[str] = field(default_factory=list)


@dataclass
class GuardrailConfig:
    """One `guardrails.registry.<name>` entry; agent None applies to every agent."""

    name: str
    description: str
    agent: str | None = None
    enabled: bool = True


@dataclass
class ChannelConfig:
    """One `channels.<name>` entry."""

    name: str
    platform: str
    credentials: dict[str, str] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)
    api_base_url: str = ""
    enabled: bool = True
    routing: dict[str, str] = field(default_factory=dict)


@dataclass
class ScheduleConfig:
    """One `schedules.<name>` entry, both the seed's form and the cron/every/at + deliver form."""

    name: str
    schedule: str
    message: str
    agent: str
    channel: str
    channel_id: str
    thread_id: str = ""
    timezone: str = "UTC"
    missed_run_policy: str = "skip"
    enabled: bool = True


@dataclass
class GatewayConfig:
    """A whole gateway.yaml after validation."""

    gateway: dict[str, object] = field(default_factory=dict)
    provider_model: str | None = None
    agents: dict[str, AgentConfig] = field(default_factory=dict)
    guardrails: dict[str, GuardrailConfig] = field(default_factory=dict)
    channels: dict[str, ChannelConfig] = field(default_factory=dict)
    schedules: dict[str, ScheduleConfig] = field(default_factory=dict)
    hooks: list[HookConfig] = field(default_factory=list)
    mcp_servers: dict[str, McpServerConfig] = field(default_factory=dict)
    access_tokens: list[TokenConfig] = field(default_factory=list)
