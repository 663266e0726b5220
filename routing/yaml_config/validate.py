"""Validating gateway.yaml data into a GatewayConfig; every problem is reported with its key path.

All problems are collected before anything is written, so an operator fixes a file in one pass.
"""

from __future__ import annotations

from collections.abc import Mapping

from agents_app.tools.registry import is_known_tool, registered_tool_names
from channels_app.platforms import PLATFORMS, USER_LIST_OPTIONS, get_platform
from gatewaysite.egress import config_error as egress_config_error
from gatewaysite.secrets import referenced_variables, refused_variables, resolve_secret
from routing.hooks.config import validate_hooks
from routing.schedules.expressions import ScheduleExpressionError, format_every, parse_duration, parse_expression, zone
from routing.yaml_config import schema
from routing.yaml_config.access_tokens import validate_tokens
from routing.yaml_config.issues import ConfigError, ConfigIssue, did_you_mean, join_path
from routing.yaml_config.mcp_servers import validate_mcp_servers
from routing.yaml_config.model import AgentConfig, ChannelConfig, GatewayConfig, GuardrailConfig, ScheduleConfig

TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a mapping",
}


class Validator:
    """Walks the data once, collecting errors and warnings."""

    def __init__(self, known_agents: Mapping[str, bool], known_channels: Mapping[str, str]) -> None:
        # Names already in the database (name → enabled / platform); references may point at them too.
        self.known_agents = dict(known_agents)
        self.known_channels = dict(known_channels)
        self.issues: list[ConfigIssue] = []
        self.file_mcp_servers: set[str] = set()  # mcp_servers named in the file being validated
        self._stored_mcp_servers: set[str] | None = None

    def mcp_server_names(self) -> set[str]:
        """MCP servers an agent's tools may name: the file's and the database's."""
        if self._stored_mcp_servers is None:
            from agents_app.mcp.models import McpServer

            self._stored_mcp_servers = set(McpServer.objects.values_list("name", flat=True))
        return self._stored_mcp_servers | self.file_mcp_servers

    # -- primitives -------------------------------------------------------------------------------------------
    def error(self, path: str, message: str) -> None:
        self.issues.append(ConfigIssue(path, message))

    def warn(self, path: str, message: str) -> None:
        self.issues.append(ConfigIssue(path, message, level="warning"))

    def typed(self, path: str, value: object, kind: type, nullable: bool = False) -> bool:
        """True when the value has the expected type (ints are numbers; bools are not ints)."""
        if value is None and nullable:
            return True
        ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            shown = "null" if value is None else f"{type(value).__name__} {value!r}"
            self.error(path, f"must be {TYPE_NAMES[kind]}, got {shown}")
        return ok

    def mapping(self, path: str, value: object) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.typed(path, value, dict)
            return {}
        return value

    def unknown_keys(self, path: str, data: dict, allowed: list[str] | tuple[str, ...]) -> None:
        for key in data:
            if key not in allowed:
                self.error(join_path(path, key), f"unknown key{did_you_mean(str(key), allowed)}")

    def check_reference(self, path: str, value: str) -> None:
        """A ${VAR} whose variable is unset is reported, never silently turned into an empty string; one that
        configuration may not expand (GATEWAY_ENV_ALLOW / GATEWAY_ENV_DENY, e.g. SECRET_KEY) is an error."""
        refused = refused_variables(value)
        for variable in refused:
            self.error(path, f"${{{variable}}} may not be used in configuration (GATEWAY_ENV_ALLOW, docs/security.md)")
        for variable in referenced_variables(value):
            if variable not in refused and resolve_secret(f"${{{variable}}}") is None:
                self.warn(path, f"environment variable {variable} is not set (kept as a reference)")

    def check_url(self, path: str, value: object) -> None:
        """An outbound URL obeys the egress policy (gatewaysite/egress.py); `${VAR}` parts are checked when used."""
        problem = egress_config_error(value)
        if problem:
            self.error(path, problem)

    def name_ok(self, path: str, name: object) -> bool:
        import re

        if not isinstance(name, str) or not re.fullmatch(r"[-a-zA-Z0-9_]+", name):
            self.error(path, f"name {name!r} must use only letters, digits, '-' and '_'")
            return False
        return True

    # -- sections ---------------------------------------------------------------------------------------------
    def validate(self, data: dict) -> GatewayConfig:
        self.unknown_keys("", data, schema.TOP_LEVEL_KEYS)
        version = data.get("config_version", 1)
        if self.typed("config_version", version, int) and version != 1:
            self.error("config_version", f"version {version} is not supported (this gateway reads version 1)")
        config = GatewayConfig()
        if isinstance(data.get("mcp_servers"), dict):
            self.file_mcp_servers = {str(name) for name in data["mcp_servers"]}
        config.gateway = self.gateway(self.mapping("gateway", data.get("gateway")))
        if isinstance(data.get("gateway"), dict) and "auth" in data["gateway"]:
            config.access_tokens = validate_tokens(self, data["gateway"]["auth"])
        provider = self.mapping("provider", data.get("provider"))
        self.unknown_keys("provider", provider, list(schema.PROVIDER_KEYS))
        if "model" in provider and self.typed("provider.model", provider["model"], str, nullable=True):
            config.provider_model = provider["model"] or ""
        agents_data = self.mapping("agents", data.get("agents"))
        for name, entry in agents_data.items():
            agent = self.agent(join_path("agents", name), name, entry)
            if agent:
                config.agents[name] = agent
        # References resolve against the file first, then against what the database already has.
        agent_states = {**self.known_agents, **{name: agent.enabled for name, agent in config.agents.items()}}
        self.validate_delegates(config.agents, agent_states)
        for name, entry in self.mapping("channels", data.get("channels")).items():
            channel = self.channel(join_path("channels", name), name, entry, agent_states)
            if channel:
                config.channels[name] = channel
        channel_names = set(self.known_channels) | set(config.channels)
        for name, entry in self.mapping("schedules", data.get("schedules")).items():
            item = self.schedule(join_path("schedules", name), name, entry, agent_states, channel_names)
            if item:
                config.schedules[name] = item
        config.hooks = validate_hooks(self, data.get("hooks"), agent_states)
        config.mcp_servers = validate_mcp_servers(self, data.get("mcp_servers"))
        guardrails = self.mapping("guardrails", data.get("guardrails"))
        self.unknown_keys("guardrails", guardrails, ["registry"])
        for name, entry in self.mapping("guardrails.registry", guardrails.get("registry")).items():
            item = self.guardrail(join_path("guardrails", "registry", name), name, entry, agent_states)
            if item:
                config.guardrails[name] = item
        return config

    def gateway(self, data: dict) -> dict[str, object]:
        values: dict[str, object] = {}
        self.unknown_keys("gateway", data, list(schema.GATEWAY_KEYS))
        for key, kind in schema.GATEWAY_KEYS.items():
            if key not in data or kind is dict:
                continue
            path = join_path("gateway", key)
            value = data[key]
            if key in ("auth_token", "ssl_cert", "ssl_key") and value is None:
                values[key] = ""
                continue
            if not self.typed(path, value, kind):
                continue
            if kind is int and value < (1 if key == "port" else 0):
                self.error(path, f"must be {'at least 1' if key == 'port' else 'zero or more'}, got {value}")
                continue
            if key == "port" and value > 65535:
                self.error(path, f"must be at most 65535, got {value}")
                continue
            if key == "allowed_origins" and not all(isinstance(item, str) for item in value):
                self.error(path, "must be a list of strings")
                continue
            if key == "auth_token":
                self.check_reference(path, value)
            values[key] = value
        if "session_config" in data and "session" in data:
            self.error("gateway.session", "give either session_config or session, not both")
        for block in ("session_config", "session"):
            session = self.mapping(join_path("gateway", block), data.get(block))
            self.unknown_keys(join_path("gateway", block), session, list(schema.SESSION_KEYS))
            for key, field_name in schema.SESSION_KEYS.items():
                if key in session:
                    path = join_path("gateway", block, key)
                    if self.typed(path, session[key], int):
                        if session[key] < 1:
                            self.error(path, f"must be at least 1, got {session[key]}")
                        else:
                            values[field_name] = session[key]
        push = self.mapping("gateway.push", data.get("push"))
        self.unknown_keys("gateway.push", push, list(schema.PUSH_KEYS))
        options: dict[str, object] = {}
        for key, kind in schema.PUSH_KEYS.items():
            if key in push and self.typed(join_path("gateway", "push", key), push[key], kind):
                if key == "enabled":
                    values["push_enabled"] = push[key]
                else:
                    options[key] = push[key]
        if "push" in data:
            values["push_options"] = options
        return values

    def agent(self, path: str, name: object, data: object) -> AgentConfig | None:
        if not self.name_ok(path, name):
            return None
        data = self.mapping(path, data if data is not None else {})
        self.unknown_keys(path, data, list(schema.AGENT_KEYS))
        agent = AgentConfig(name=str(name))
        if "instructions" in data and "system_prompt" in data:
            self.error(join_path(path, "system_prompt"), "give either instructions or system_prompt, not both")
        for key, kind in schema.AGENT_KEYS.items():
            if key not in data:
                continue
            value = data[key]
            key_path = join_path(path, key)
            if not self.typed(key_path, value, kind, nullable=key in ("base_url", "api_key", "model", "temperature")):
                continue
            if key == "temperature" and value is not None and not 0 <= value <= 2:
                self.error(key_path, f"must be between 0 and 2, got {value}")
            elif key == "tools":
                for index, tool in enumerate(value):
                    tool_path = f"{key_path}[{index}]"
                    if not isinstance(tool, str):
                        self.error(tool_path, f"must be a tool name, got {tool!r}")
                    elif not is_known_tool(tool) and tool not in self.mcp_server_names():
                        # Looked up in the registry only: a tool list is data, nothing it names is imported.
                        known = registered_tool_names()
                        hint = did_you_mean(tool, known) or f" (registered tools: {', '.join(known)})"
                        self.error(tool_path, f"unknown tool '{tool}'{hint}")
                agent.tools = [tool for tool in value if isinstance(tool, str)]
            elif key in ("instructions", "system_prompt"):
                agent.instructions = value
            elif key == "api_key":
                agent.api_key = value or ""
                self.check_reference(key_path, agent.api_key)
            elif key in ("base_url", "model"):
                setattr(agent, key, value or "")
                if key == "base_url" and isinstance(value, str):
                    self.check_reference(key_path, value)
                    self.check_url(key_path, value)
            elif key == "temperature":
                agent.temperature = None if value is None else float(value)
            elif key == "delegates":
                # Names are checked against every agent once all are known (validate_delegates).
                agent.delegates = [item for item in value if isinstance(item, str)]
                for index, item in enumerate(value):
                    if not isinstance(item, str):
                        self.error(f"{key_path}[{index}]", f"must be an agent name, got {item!r}")
            else:
                setattr(agent, key, value)
        return agent

    def validate_delegates(self, agents: dict[str, AgentConfig], known: Mapping[str, bool]) -> None:
        """An agent's delegates name other agents (in the file or the database), never itself."""
        for name, agent in agents.items():
            for index, delegate in enumerate(agent.delegates):
                path = f"{join_path('agents', name, 'delegates')}[{index}]"
                if delegate == name:
                    self.error(path, "an agent cannot delegate to itself")
                elif delegate not in known:
                    self.error(path, f"unknown agent '{delegate}'{did_you_mean(delegate, known)}")

    def agent_reference(self, path: str, value: object, agents: Mapping[str, bool]) -> str | None:
        if not isinstance(value, str) or not value:
            self.error(path, f"must name an agent, got {value!r}")
            return None
        if value not in agents:
            self.error(path, f"unknown agent '{value}'{did_you_mean(value, agents)}")
            return None
        if not agents[value]:
            self.error(path, f"agent '{value}' is disabled")
            return None
        return value

    def channel(self, path: str, name: object, data: object, agents: Mapping[str, bool]) -> ChannelConfig | None:
        if not self.name_ok(path, name):
            return None
        data = self.mapping(path, data if data is not None else {})
        platform = data.get("platform", name if name in PLATFORMS else None)
        if platform is None:
            self.error(
                join_path(path, "platform"),
                f"missing: '{name}' is not a platform name, so 'platform:' is required (one of {', '.join(PLATFORMS)})",
            )
            return None
        if not isinstance(platform, str) or get_platform(platform) is None:
            self.error(
                join_path(path, "platform"),
                f"unknown platform {platform!r}{did_you_mean(str(platform), PLATFORMS)} "
                f"(supported: {', '.join(PLATFORMS)})",
            )
            return None
        spec = get_platform(platform)
        allowed = [*schema.CHANNEL_STRUCTURAL_KEYS, *spec.credential_keys, *spec.option_keys]
        self.unknown_keys(path, data, allowed)
        channel = ChannelConfig(name=str(name), platform=platform)
        for key, kind in schema.CHANNEL_STRUCTURAL_KEYS.items():
            skip = key not in data or key in ("routing", "routes", "platform")
            if not skip and self.typed(join_path(path, key), data[key], kind, nullable=key == "api_base_url"):
                setattr(channel, key, data[key] or ("" if kind is str else data[key]))
                if key == "api_base_url" and isinstance(data[key], str):
                    self.check_reference(join_path(path, key), data[key])
                    self.check_url(join_path(path, key), data[key])
        for key in spec.credential_keys:
            if key not in data or data[key] is None:
                continue
            value = data[key]
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if self.typed(join_path(path, key), value, str):
                channel.credentials[key] = value
                self.check_reference(join_path(path, key), value)
                if key.endswith("_url"):  # callback_url: where replies are POSTed
                    self.check_url(join_path(path, key), value)
        for missing in spec.missing_credentials(channel.credentials):
            self.error(path, f"missing credential {missing} (required for {platform})")
        for key in spec.option_keys:
            if key not in data:
                continue
            option = spec.option(key)
            key_path = join_path(path, key)
            if key in USER_LIST_OPTIONS and isinstance(data[key], str):
                # One `${VAR}` holding comma-separated ids (PraisonAI's onboarding writes this); resolved at intake.
                self.check_reference(key_path, data[key])
                channel.options[key] = data[key]
            elif self.typed(key_path, data[key], option.kind):
                if option.choices and data[key] not in option.choices:
                    self.error(key_path, f"must be one of {', '.join(option.choices)}, got {data[key]!r}")
                else:
                    channel.options[key] = data[key]
        if "routing" in data and "routes" in data:
            self.error(join_path(path, "routes"), "give either routing or routes, not both")
        route_key = "routes" if "routes" in data else "routing"
        routes = self.mapping(join_path(path, route_key), data.get(route_key))
        for context, agent in routes.items():
            context_path = join_path(path, route_key, context)
            if context not in schema.ROUTING_CONTEXTS:
                self.error(
                    context_path,
                    f"unknown context{did_you_mean(str(context), schema.ROUTING_CONTEXTS)} "
                    f"(use {', '.join(schema.ROUTING_CONTEXTS)})",
                )
                continue
            resolved = self.agent_reference(context_path, agent, agents)
            if resolved:
                channel.routing[context] = resolved
        return channel

    def schedule(
        self, path: str, name: object, data: object, agents: Mapping[str, bool], channels: set[str]
    ) -> ScheduleConfig | None:
        if not self.name_ok(path, name):
            return None
        data = self.mapping(path, data)
        self.unknown_keys(path, data, list(schema.SCHEDULE_KEYS))
        for key, kind in schema.SCHEDULE_KEYS.items():
            if key in data:
                self.typed(join_path(path, key), data[key], kind)
        deliver = self.mapping(join_path(path, "deliver"), data.get("deliver"))
        self.unknown_keys(join_path(path, "deliver"), deliver, list(schema.DELIVER_KEYS))

        def pick(*keys: str, source: dict = data) -> tuple[str, object] | None:
            given = [key for key in keys if key in source]
            if len(given) > 1:
                self.error(join_path(path, given[1]), f"give only one of {', '.join(given)}")
            return (given[0], source[given[0]]) if given else None

        timezone = data.get("timezone", "UTC")
        if isinstance(timezone, str):
            try:
                zone(timezone)
            except ScheduleExpressionError as exc:
                self.error(join_path(path, "timezone"), str(exc))
                timezone = "UTC"
        when = pick("schedule", "cron", "every", "at")
        expression = ""
        if when is None:
            self.error(path, "missing key 'schedule' (or one of cron, every, at)")
        elif isinstance(when[1], str):
            key, value = when
            expression = value if key == "schedule" else f"{key}:{value}"
            try:
                parsed = parse_expression(expression, timezone if isinstance(timezone, str) else "UTC")
                if key == "every":
                    expression = f"every:{format_every(parse_duration(value))}"
                del parsed
            except ScheduleExpressionError as exc:
                self.error(join_path(path, key), str(exc))
        message = pick("message", "prompt")
        if message is None:
            self.error(path, "missing key 'message' (or 'prompt')")
        agent_given = pick("agent_id", "agent")
        agent = None
        if agent_given is None:
            self.error(path, "missing key 'agent_id' (or 'agent')")
        else:
            agent = self.agent_reference(join_path(path, agent_given[0]), agent_given[1], agents)
        channel_given = pick("channel") or pick("channel", source=deliver)
        channel_id_given = pick("channel_id") or pick("channel_id", source=deliver)
        thread_given = pick("thread_id") or pick("thread_id", source=deliver)
        channel = None
        if channel_given is None:
            self.error(path, "missing key 'channel' (or deliver.channel)")
        elif isinstance(channel_given[1], str):
            channel_path = join_path(path, "channel") if "channel" in data else join_path(path, "deliver", "channel")
            if channel_given[1] not in channels:
                self.error(
                    channel_path, f"unknown channel '{channel_given[1]}'{did_you_mean(channel_given[1], channels)}"
                )
            else:
                channel = channel_given[1]
        if channel_id_given is None:
            self.error(path, "missing key 'channel_id' (or deliver.channel_id)")
        missed = data.get("missed_runs", "skip")
        if isinstance(missed, str) and missed not in schema.MISSED_RUN_POLICIES:
            self.error(join_path(path, "missed_runs"), f"must be one of {', '.join(schema.MISSED_RUN_POLICIES)}")
        if not (expression and message and agent and channel and channel_id_given):
            return None
        return ScheduleConfig(
            name=str(name),
            schedule=expression.strip(),
            message=str(message[1]),
            agent=agent,
            channel=channel,
            channel_id=str(channel_id_given[1]),
            thread_id=str(thread_given[1]) if thread_given else "",
            timezone=timezone if isinstance(timezone, str) else "UTC",
            missed_run_policy=missed if isinstance(missed, str) else "skip",
            enabled=bool(data.get("enabled", True)),
        )

    def guardrail(self, path: str, name: object, data: object, agents: Mapping[str, bool]) -> GuardrailConfig | None:
        if not self.name_ok(path, name):
            return None
        data = self.mapping(path, data)
        self.unknown_keys(path, data, list(schema.GUARDRAIL_KEYS))
        description = data.get("description")
        if description is None:
            self.error(path, "missing key 'description'")
        elif not self.typed(join_path(path, "description"), description, str):
            description = None
        agent_name = data.get("agent_name") or None
        if agent_name is not None:
            agent_path = join_path(path, "agent_name")
            if not isinstance(agent_name, str):
                self.typed(agent_path, agent_name, str)
                agent_name = None
            elif agent_name not in agents:
                self.error(agent_path, f"unknown agent '{agent_name}'{did_you_mean(agent_name, agents)}")
                return None
        enabled = data.get("enabled", True)
        if not isinstance(enabled, bool):
            self.typed(join_path(path, "enabled"), enabled, bool)
        if description is None:
            return None
        return GuardrailConfig(name=str(name), description=description, agent=agent_name, enabled=bool(enabled))


def validate_config(
    data: dict, known_agents: Mapping[str, bool] | None = None, known_channels: Mapping[str, str] | None = None
) -> tuple[GatewayConfig, list[ConfigIssue]]:
    """Validate loaded YAML data. Raises ConfigError with every error; returns the config and its warnings."""
    validator = Validator(known_agents or {}, known_channels or {})
    config = validator.validate(data)
    errors = [issue for issue in validator.issues if issue.level == "error"]
    if errors:
        raise ConfigError(errors)
    return config, [issue for issue in validator.issues if issue.level == "warning"]


def validate_channel_fields(
    name: str,
    platform: str,
    credentials: Mapping[str, object],
    options: Mapping[str, object],
    api_base_url: str = "",
    known_agents: Mapping[str, bool] | None = None,
    routing: Mapping[str, str] | None = None,
) -> list[ConfigIssue]:
    """The YAML importer's checks for one channel instance, for the admin and the API (same input, same message)."""
    validator = Validator(known_agents or {}, {})
    data: dict[str, object] = {"platform": platform, **credentials, **options}
    if api_base_url:
        data["api_base_url"] = api_base_url
    if routing:
        data["routing"] = dict(routing)
    validator.channel(join_path("channels", name), name, data, known_agents or {})
    return [issue for issue in validator.issues if issue.level == "error"]


def validate_agent_fields(name: str, fields: Mapping[str, object]) -> list[ConfigIssue]:
    """The YAML importer's checks for one agent (tools, temperature, types), for the admin and the API."""
    validator = Validator({}, {})
    validator.agent(join_path("agents", name), name, dict(fields))
    return [issue for issue in validator.issues if issue.level == "error"]


def field_of(issue: ConfigIssue, prefix: str) -> str:
    """The first key after `prefix` in an issue's path ('' when the issue is about the entry as a whole)."""
    rest = issue.path.removeprefix(prefix).lstrip(".")
    return rest.split(".")[0].split("[")[0] if rest else ""
