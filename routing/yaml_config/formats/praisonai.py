"""PraisonAI's gateway.yaml / bot.yaml (praisonai-bot 0.1.16 schema) translated into our format plus warnings.

Ours grew out of PraisonAI's seed format, so its files mostly pass through. What PraisonAI has beyond it is either
mapped onto ours (legacy `agent:`, top-level `routing:`, single-bot and `platforms:` shapes, `access_groups`,
role/goal/backstory, `llm`, `web_search`), implemented (hooks, mcp_servers, reactions, admission keys — passed on
to the validator), or accepted with one warning naming the key and saying it is ignored. Nothing is dropped
silently and nothing PraisonAI's schema accepts fails the import, except a near-miss of one of our keys (a typo).
"""

from __future__ import annotations

import copy

from agents_app.tools.registry import is_known_tool
from routing.yaml_config import schema
from routing.yaml_config.formats.praisonai_channels import TOKEN_ENV, ChannelTranslator
from routing.yaml_config.formats.praisonai_keys import (
    IGNORED_AGENT,
    IGNORED_GATEWAY,
    IGNORED_SESSION,
    IGNORED_TOP,
    PRAISONAI_TOOLS,
    SEARCH_TOOLS,
    SINGLE_BOT_KEYS,
)
from routing.yaml_config.formats.praisonai_sections import Sections, near_miss
from routing.yaml_config.issues import ConfigError, ConfigIssue, join_path

NAME = "praisonai"


def detect(data: dict) -> bool:
    """PraisonAI's shape is the default: any mapping is read as PraisonAI's (a superset of ours)."""
    return isinstance(data, dict)


def translate(data: dict) -> tuple[dict, list[ConfigIssue]]:
    """Our format for a PraisonAI file, and the warnings; raises ConfigError for what fails closed (access groups)."""
    translation = _Translation(copy.deepcopy(data))
    out = translation.run()
    if translation.errors:
        raise ConfigError(translation.errors)
    return out, translation.warnings


class _Translation(Sections):
    """One file's translation: run() walks the sections in the order their cross-references need."""

    def run(self) -> dict:
        data = self.data
        for key, reason in IGNORED_TOP.items():
            if key in data:
                del data[key]
                self.ignored(key, reason)
        if not isinstance(data.get("channels") or {}, dict) or not isinstance(data.get("agents") or {}, dict):
            return data  # the validator reports the wrong type with its path
        self.drop_nulls()
        self.single_bot()
        self.platforms()
        self.legacy_agent()
        mcp_names = set(data.get("mcp_servers") or {}) if isinstance(data.get("mcp_servers"), dict) else set()
        for name, agent in (data.get("agents") or {}).items():
            if isinstance(agent, dict):
                data["agents"][name] = self.agent(join_path("agents", name), agent, mcp_names)
        if isinstance(data.get("gateway"), dict):
            self.gateway(data["gateway"])
        self.top_routing()
        self.channels()
        self.auto_enable()
        self.schedules()
        self.hooks()
        self.mcp_servers()
        for key in ("hooks", "mcp_servers"):
            if key in data and key not in schema.TOP_LEVEL_KEYS:
                del data[key]
                self.ignored(key, "not supported by this gateway version")
        return data

    def drop_nulls(self) -> None:
        """PraisonAI's schema lets every optional key be null, meaning "not set": such keys are left out, not errors."""
        data = self.data
        for key in [key for key, value in data.items() if value is None and key not in ("agents", "channels")]:
            del data[key]
        blocks: list[object] = [data.get("gateway"), data.get("agent"), *(data.get("hooks") or [])]
        for section in ("agents", "channels", "mcp_servers", "schedules", "platforms"):
            if isinstance(data.get(section), dict):
                blocks.extend(data[section].values())
        for block in blocks:
            if isinstance(block, dict):
                # gateway.auth_token / ssl_cert / ssl_key: null clears the stored value (our validator's rule).
                keep = ("auth_token", "ssl_cert", "ssl_key") if block is data.get("gateway") else ()
                for key in [key for key, value in block.items() if value is None and key not in keep]:
                    del block[key]

    # -- shapes -----------------------------------------------------------------------------------------------
    def single_bot(self) -> None:
        """Top-level `platform:` + `token:` (PraisonAI's single-bot bot.yaml) becomes one channel instance."""
        data = self.data
        given = {key: data.pop(key) for key in SINGLE_BOT_KEYS if key in data}
        if not given:
            return
        platform = given.get("platform")
        if not platform or data.get("channels"):
            for key in given:
                self.ignored(key, "channels: already declares the instances" if platform else "no platform: given")
            return
        platform = str(platform).strip().lower()
        channel: dict = {"platform": platform}
        channel["token"] = given.get("token") or f"${{{TOKEN_ENV.get(platform, platform.upper() + '_BOT_TOKEN')}}}"
        for key in ("app_token", "unknown_user_policy", "owner_user_id"):
            if given.get(key) is not None:
                channel[key] = given[key]
        data["channels"] = {platform: channel}

    def platforms(self) -> None:
        """BotOS's `platforms: {telegram: {...}}` is channels keyed by platform."""
        platforms = self.data.pop("platforms", None)
        if not platforms:
            return
        if self.data.get("channels"):
            self.ignored("platforms", "channels: already declares the instances")
            return
        self.data["channels"] = {
            name: {"platform": name, **(entry or {})} for name, entry in platforms.items() if isinstance(entry, dict)
        }

    def legacy_agent(self) -> None:
        """`agent:` (the single-agent block `bot start` reads) becomes agents.<its name> unless that exists."""
        legacy = self.data.pop("agent", None)
        if legacy is None:
            return
        if not isinstance(legacy, dict):
            self.errors.append(ConfigIssue("agent", f"must be a mapping, got {type(legacy).__name__}"))
            return
        name = str(legacy.get("name") or "assistant")
        agents = self.data.setdefault("agents", {}) or {}
        self.data["agents"] = agents
        legacy = {key: value for key, value in legacy.items() if key != "name"}
        if name in agents:
            if any((agents[name] or {}).get(key) != value for key, value in legacy.items()):
                self.ignored("agent", f"agents.{name} is also defined and wins")
            return
        agents[name] = legacy

    def agent(self, path: str, agent: dict, mcp_names: set[str]) -> dict:
        out = dict(agent)
        if "llm" in out:
            llm = out.pop("llm")
            if out.get("model"):
                self.ignored(join_path(path, "llm"), "model: is also given and wins")
            elif llm:
                out["model"] = llm
        persona = [
            f"You are {out.pop('role')}." if out.get("role") else None,
            f"Your goal: {out.pop('goal')}" if out.get("goal") else None,
            str(out.pop("backstory")) if out.get("backstory") else None,
        ]
        for key in ("role", "goal", "backstory"):
            out.pop(key, None)
        if any(persona):
            key = "system_prompt" if "system_prompt" in out and "instructions" not in out else "instructions"
            out[key] = "\n\n".join(part for part in (*persona, out.get(key) or None) if part)
        if out.pop("web_search", False):
            out["tools"] = list(dict.fromkeys([*(out.get("tools") or []), "search_web"]))
        if isinstance(out.get("tools"), list):
            kept = []
            for index, tool in enumerate(out["tools"]):
                tool_path = f"{join_path(path, 'tools')}[{index}]"
                if tool in SEARCH_TOOLS and not is_known_tool(tool) and tool not in mcp_names:
                    kept.append("search_web")
                    self.note(tool_path, f"PraisonAI's {tool} is search_web here")
                elif tool in PRAISONAI_TOOLS and not is_known_tool(tool) and tool not in mcp_names:
                    self.ignored(tool_path, f"PraisonAI's tool '{tool}' has no counterpart here")
                else:
                    kept.append(tool)  # the validator judges it (and explains a typo)
            out["tools"] = list(dict.fromkeys(kept))
        for key in [key for key in out if key not in schema.AGENT_KEYS]:
            if key in IGNORED_AGENT or not near_miss(key, list(schema.AGENT_KEYS)):
                self.ignored(join_path(path, key), IGNORED_AGENT.get(key, "not an agent option here"))
                del out[key]
        return out

    def gateway(self, gateway: dict) -> None:
        if "bind_host" in gateway:
            bind = gateway.pop("bind_host")
            if gateway.get("host"):
                self.ignored("gateway.bind_host", "gateway.host is also given and wins")
            elif bind:
                gateway["host"] = bind
        for key, reason in IGNORED_GATEWAY.items():
            if key in gateway and key not in schema.GATEWAY_KEYS:
                del gateway[key]
                self.ignored(join_path("gateway", key), reason)
        if "hooks" in gateway and "hooks" not in schema.GATEWAY_KEYS:
            hooks = gateway.pop("hooks") or []
            self.data["hooks"] = [*(self.data.get("hooks") or []), *hooks]
        for block in ("session_config", "session"):
            session = gateway.get(block)
            if isinstance(session, dict):
                for key in IGNORED_SESSION:
                    if key in session:
                        del session[key]
                        self.ignored(join_path("gateway", block, key), "sessions are stored in the database")
        scopes = gateway.pop("auth_scopes", None)
        if isinstance(scopes, dict) and scopes:
            # The flat form {token: [scopes]} is the same policy as auth.tokens.
            auth = gateway.get("auth") if isinstance(gateway.get("auth"), dict) else {}
            listed = [{"token": str(token), "scopes": list(value or [])} for token, value in scopes.items()]
            gateway["auth"] = {**auth, "tokens": [*(auth.get("tokens") or []), *listed]}
        auth = gateway.get("auth")
        if isinstance(auth, dict) and "auth" not in schema.GATEWAY_KEYS:
            del gateway["auth"]
            self.ignored("gateway.auth", "create scoped tokens in the admin (Access tokens)")

    def top_routing(self) -> None:
        """Top-level `routing: {default, rules}` fills the routes of channels that do not name their own."""
        routing = self.data.pop("routing", None)
        if not isinstance(routing, dict):
            return
        channels = self.data.get("channels") or {}
        default = routing.get("default")
        rules = routing.get("rules") or {}
        for key in routing:
            if key not in ("default", "rules"):
                self.ignored(join_path("routing", key), "routing takes default and rules")
        for name, channel in channels.items():
            if not isinstance(channel, dict):
                continue
            route_key = "routes" if "routes" in channel else "routing"
            routes = dict(channel.get(route_key) or {})
            platform = channel.get("platform") or name
            for rule_key, agent in rules.items():
                if rule_key in schema.ROUTING_CONTEXTS:
                    routes.setdefault(rule_key, agent)
                elif rule_key in (name, platform):
                    routes.setdefault("default", agent)
            if default:
                routes.setdefault("default", default)
            if routes:
                channel[route_key] = routes
        names = {key for channel_name, ch in channels.items() for key in (channel_name, (ch or {}).get("platform"))}
        for rule_key in rules:
            if rule_key not in schema.ROUTING_CONTEXTS and rule_key not in names:
                self.ignored(join_path("routing", "rules", rule_key), "no channel or context of that name")

    def channels(self) -> None:
        channels = self.data.get("channels") or {}
        groups_raw = self.data.pop("access_groups", None) or {}
        if not isinstance(groups_raw, dict):
            self.errors.append(ConfigIssue("access_groups", "must be a mapping of group name to a list of ids"))
            groups_raw = {}
        translator = ChannelTranslator(groups_raw, self.warnings, self.errors)
        from channels_app.platforms import get_platform

        for name, channel in list(channels.items()):
            if not isinstance(channel, dict):
                continue
            spec = get_platform(str(channel.get("platform") or name))
            known = [
                *schema.CHANNEL_STRUCTURAL_KEYS,
                *(spec.credential_keys if spec else ()),
                *(spec.option_keys if spec else ()),
            ]
            channels[name] = translator.channel(str(name), channel, known)
