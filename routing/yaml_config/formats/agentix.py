"""Agentix's `.agentix/gateway.yaml` (agentix-agent-sdk 0.1 gateway schema) translated into our format plus warnings.

Agentix serves one agent (`agent:` with the top-level `model:` shortcut) on channels built from `adapter:` plus the
adapter's own keyword names, with `auth:` per channel and a `middleware:` list. What has a home here is written in
our format (so it is stored as ours and exports as ours); what has none is one warning naming the key. Agentix keeps
each thread's history, so the imported agent has memory on.
"""

from __future__ import annotations

import copy
import re

from routing.yaml_config import schema
from routing.yaml_config.formats.agentix_channels import ChannelTranslator
from routing.yaml_config.issues import ConfigError, ConfigIssue, join_path

NAME = "agentix"

AGENT_IGNORED = {
    "permission_mode": "tools run without approval prompts",
    "conversation_summarization_enabled": "history is kept whole up to gateway.session_config.max_messages",
    "max_conversation_window": "history is bounded by gateway.session_config.max_messages",
    "persistence_enabled": "sessions are always stored in the database",
    "cwd": "agents have no working directory",
    "env": "set environment variables on the gateway process",
    "disallowed_tools": "an agent only gets the tools it lists",
}
# Per-agent bounds with no per-agent field yet: the gateway-wide settings named here apply.
AGENT_BOUNDS = {
    "max_tokens": "answers are bounded by GATEWAY_LLM_MAX_TOKENS",
    "max_iterations": "the tool loop is bounded by GATEWAY_AGENT_MAX_TOOL_ITERATIONS",
    "tool_timeout": "tools are bounded by GATEWAY_TOOL_TIMEOUT and runs by GATEWAY_AGENT_MAX_SECONDS",
}
GATEWAY_IGNORED = {
    "max_concurrent_queries": "set GATEWAY_MAX_CONCURRENT_QUERIES in the environment",
}
PROVIDER_PREFIX = {"anthropic": "anthropic/", "openai": "openai/", "ollama": "ollama/"}
AGENTIX_ONLY_AGENT_KEYS = {"provider", "max_iterations", "max_tokens", "tool_timeout", "allowed_tools", "llm_options"}


def detect(data: dict) -> bool:
    """Agentix files name an `adapter:` per channel, list `middleware:`, or use Agentix-only agent/gateway keys."""
    if not isinstance(data, dict) or "agents" in data:
        return False
    channels = data.get("channels")
    if isinstance(channels, dict) and any(isinstance(c, dict) and "adapter" in c for c in channels.values()):
        return True
    if isinstance(data.get("middleware"), list):
        return True
    model = data.get("model")
    if isinstance(model, dict) and any(str(key).startswith("agentix_") for key in model):
        return True
    agent = data.get("agent")
    if isinstance(agent, dict) and AGENTIX_ONLY_AGENT_KEYS & set(agent):
        return True
    gateway = data.get("gateway")
    return isinstance(gateway, dict) and bool({"session_ttl", "max_concurrent_queries"} & set(gateway))


def translate(data: dict) -> tuple[dict, list[ConfigIssue]]:
    """Our format for an Agentix file and its warnings; raises ConfigError when the file cannot mean anything here."""
    translation = _Translation(copy.deepcopy(data))
    out = translation.run()
    if translation.errors:
        raise ConfigError(translation.errors)
    return out, translation.warnings


def agent_name(value: object) -> str:
    """An Agentix agent name as one of our agent ids (letters, digits, '-' and '_')."""
    name = re.sub(r"[^-a-zA-Z0-9_]+", "-", str(value or "").strip()).strip("-")
    return name or "agentix-agent"


class _Translation:
    """One pass over an Agentix file, collecting warnings and errors with their key paths."""

    def __init__(self, data: dict) -> None:
        self.data = data
        self.warnings: list[ConfigIssue] = []
        self.errors: list[ConfigIssue] = []

    def ignored(self, path: str, reason: str) -> None:
        self.warnings.append(ConfigIssue(path, f"ignored: {reason}", level="warning"))

    def run(self) -> dict:
        data = self.data
        out: dict = {}
        for key in data:
            if key not in ("agent", "model", "gateway", "channels", "auth", "middleware", "logging"):
                self.ignored(key, "not part of Agentix's gateway.yaml")
        agents, main = self.agent(data.get("agent"), data.get("model"))
        out["agents"] = agents
        out["gateway"] = self.gateway(data.get("gateway"))
        if "logging" in data:
            self.ignored("logging", "set LOG_LEVEL and LOG_FORMAT=json in the environment")
        shared_options = self.middleware(data.get("middleware"))
        channels = ChannelTranslator(self.warnings, self.errors, main, agents)
        top_auth = data.get("auth")
        out["channels"] = {}
        entries = data.get("channels") or {}
        if not isinstance(entries, dict):
            self.errors.append(ConfigIssue("channels", f"must be a mapping, got {type(entries).__name__}"))
            entries = {}
        for name, entry in entries.items():
            out["channels"].update(channels.channel(str(name), entry, top_auth, shared_options))
        return out

    # -- agent --------------------------------------------------------------------------------------------------
    def agent(self, raw: object, model_block: object) -> tuple[dict, str]:
        """`agent:` plus the `model:` shortcut become one agent with memory on; returns (agents, its name)."""
        if raw is None:
            raw = {}
            self.warnings.append(
                ConfigIssue(
                    "agent",
                    "missing: Agentix's built-in agent becomes 'agentix-agent' with the provider fallback model",
                    level="warning",
                )
            )
        if not isinstance(raw, dict):
            self.errors.append(ConfigIssue("agent", f"must be a mapping, got {type(raw).__name__}"))
            return {}, ""
        name = agent_name(raw.get("name"))
        if raw.get("name") and name != raw.get("name"):
            self.warnings.append(ConfigIssue("agent.name", f"stored as '{name}'", level="warning"))
        entry: dict[str, object] = {"memory": True}
        if raw.get("system_prompt"):
            entry["instructions"] = raw["system_prompt"]
        provider = str(raw.get("provider") or "").strip().lower()
        model = raw.get("model")
        llm = dict(raw.get("llm_options") or {}) if isinstance(raw.get("llm_options"), dict) else {}
        if isinstance(model_block, dict):
            provider = str(model_block.get("agentix_provider") or provider).strip().lower()
            model = model or model_block.get("agentix_model")
            if model_block.get("agentix_base_url"):
                llm["base_url"] = model_block["agentix_base_url"]
            if model_block.get("api_key") is not None:
                llm["api_key"] = model_block["api_key"]
            for key in model_block:
                if key not in ("agentix_provider", "agentix_model", "agentix_base_url", "api_key"):
                    self.ignored(join_path("model", key), "not part of Agentix's model: block")
        elif model_block is not None:
            self.errors.append(ConfigIssue("model", f"must be a mapping, got {type(model_block).__name__}"))
        if model:
            entry["model"] = self.model_id(str(model), provider, bool(llm.get("base_url")))
        for key in ("base_url", "api_key"):
            if llm.get(key):
                entry[key] = llm.pop(key)
        for key in llm:
            self.ignored(join_path("agent", "llm_options", key), "only base_url and api_key have a meaning here")
        if raw.get("allowed_tools"):
            entry["tools"] = self.tools(raw["allowed_tools"])
        for key, reason in {**AGENT_IGNORED, **AGENT_BOUNDS}.items():
            if key in raw:
                self.ignored(join_path("agent", key), reason)
        known = {"name", "system_prompt", "provider", "model", "llm_options", "allowed_tools"}
        for key in raw:
            if key not in known and key not in AGENT_IGNORED and key not in AGENT_BOUNDS:
                self.ignored(join_path("agent", key), "not part of Agentix's agent: block")
        return {name: entry}, name

    def model_id(self, model: str, provider: str, has_base_url: bool) -> str:
        """Agentix names the provider beside the model; ours reads it from the model id's prefix."""
        if "/" in model or not provider or has_base_url:
            return model
        if provider == "anthropic" and model.startswith("claude-"):
            return model
        if provider == "openai" and re.match(r"^(gpt-|chatgpt-|o\d)", model):
            return model
        if provider in PROVIDER_PREFIX:
            return PROVIDER_PREFIX[provider] + model
        self.ignored("agent.provider", f"provider {provider!r} needs a base_url here (OpenAI-compatible endpoint)")
        return model

    def tools(self, value: object) -> list[str]:
        """Agentix's allowed_tools that exist here; the rest are named in one warning."""
        from agents_app.tools.registry import is_known_tool

        names = [str(tool) for tool in value] if isinstance(value, list) else []
        kept = [tool for tool in names if is_known_tool(tool)]
        dropped = [tool for tool in names if tool not in kept]
        if dropped:
            self.ignored("agent.allowed_tools", f"no tool here named {', '.join(dropped)}")
        return kept

    # -- gateway and middleware ---------------------------------------------------------------------------------
    def gateway(self, raw: object) -> dict:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.errors.append(ConfigIssue("gateway", f"must be a mapping, got {type(raw).__name__}"))
            return {}
        out: dict[str, object] = {}
        for key, value in raw.items():
            path = join_path("gateway", key)
            if key in ("host", "port", "session_reset_commands", "background_command", "max_background_tasks"):
                out[key] = value
            elif key == "session_ttl":
                out["session_config"] = {"timeout": value}
            elif key == "background_notification_level":
                level = str(value).lower()
                if level not in schema.NOTIFICATION_LEVELS:
                    self.errors.append(
                        ConfigIssue(path, f"must be one of {', '.join(schema.NOTIFICATION_LEVELS)}, got {value!r}")
                    )
                out[key] = level
            elif key in GATEWAY_IGNORED:
                self.ignored(path, GATEWAY_IGNORED[key])
            else:
                self.ignored(path, "not part of Agentix's gateway: block")
        return out

    def middleware(self, raw: object) -> dict[str, object]:
        """`rate_limit` becomes every channel's per-sender limit and its reply; `logging` is always on here."""
        options: dict[str, object] = {}
        if raw is None:
            return options
        if not isinstance(raw, list):
            self.errors.append(ConfigIssue("middleware", f"must be a list, got {type(raw).__name__}"))
            return options
        for index, entry in enumerate(raw):
            path = f"middleware[{index}]"
            kind = entry.get("type") if isinstance(entry, dict) else None
            if kind == "rate_limit":
                options["sender_rate_limit"] = int(entry.get("requests_per_minute", 30))
                if entry.get("throttle_message"):
                    options["rate_limit_reply"] = str(entry["throttle_message"])
                for key in entry:
                    if key not in ("type", "requests_per_minute", "throttle_message"):
                        self.ignored(join_path(path, key), "rate_limit takes requests_per_minute")
            elif kind == "logging":
                self.ignored(path, "every message, run and delivery is logged and recorded already")
            else:
                self.errors.append(
                    ConfigIssue(path, f"unknown middleware type {kind!r} (Agentix has logging, rate_limit)")
                )
        return options
