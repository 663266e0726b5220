"""PraisonAI's sections beside agents, gateway and channels: auto_enable_from_env, schedules, hooks, mcp_servers.

A base class of the translation in praisonai.py (kept apart so neither grows past one screenful of methods).
"""

from __future__ import annotations

import difflib

from gatewaysite.secrets import resolve_secret
from routing.yaml_config import schema
from routing.yaml_config.formats.praisonai_keys import IGNORED_HOOK, IGNORED_SCHEDULE
from routing.yaml_config.issues import ConfigIssue, join_path


def near_miss(key: object, known: list[str] | tuple[str, ...]) -> bool:
    """A key this close to one of ours is a typo, left for the validator to report."""
    return bool(difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.8))


class Sections:
    """Holds the data being translated and the warnings and errors found so far."""

    def __init__(self, data: dict) -> None:
        self.data = data
        self.warnings: list[ConfigIssue] = []
        self.errors: list[ConfigIssue] = []

    def ignored(self, path: str, reason: str) -> None:
        self.warnings.append(ConfigIssue(path, f"ignored: {reason}", level="warning"))

    def note(self, path: str, message: str) -> None:
        self.warnings.append(ConfigIssue(path, message, level="warning"))

    def auto_enable(self) -> None:
        """`auto_enable_from_env: true`: an instance whose credentials are all unset variables is imported off."""
        flag = self.data.pop("auto_enable_from_env", None)
        if flag is not True:
            return
        from channels_app.platforms import get_platform

        for name, channel in (self.data.get("channels") or {}).items():
            spec = get_platform(str((channel or {}).get("platform") or name)) if isinstance(channel, dict) else None
            if spec is None or not spec.credentials or channel.get("enabled") is False:
                continue
            given = [channel[key] for key in spec.credential_keys if channel.get(key) not in (None, "")]
            if given and all(resolve_secret(str(value)) is None for value in given):
                channel["enabled"] = False
                self.note(
                    join_path("channels", name),
                    "imported disabled: auto_enable_from_env and none of its credentials is set; set them and "
                    "enable the instance in the admin",
                )
        self.note(
            "auto_enable_from_env",
            "instances are not created from environment variables alone; declare each under channels",
        )

    def schedules(self) -> None:
        schedules = self.data.get("schedules")
        if not isinstance(schedules, dict):
            return
        channels = self.data.get("channels") or {}
        by_platform: dict[str, list[str]] = {}
        for name, channel in channels.items():
            platform = (channel or {}).get("platform") or name if isinstance(channel, dict) else name
            by_platform.setdefault(str(platform), []).append(str(name))
        for name, entry in schedules.items():
            if not isinstance(entry, dict):
                continue
            path = join_path("schedules", name)
            for key in [key for key in entry if key not in schema.SCHEDULE_KEYS]:
                if key in IGNORED_SCHEDULE or not near_miss(key, list(schema.SCHEDULE_KEYS)):
                    self.ignored(join_path(path, key), IGNORED_SCHEDULE.get(key, "not a schedule option here"))
                    del entry[key]
            holder = entry.get("deliver") if isinstance(entry.get("deliver"), dict) else entry
            target = holder.get("channel")
            # PraisonAI's schedule delivers to a platform; here to an instance: the platform's only instance.
            if isinstance(target, str) and target not in channels and len(by_platform.get(target, [])) == 1:
                holder["channel"] = by_platform[target][0]

    def hooks(self) -> None:
        """PraisonAI's hook entries: what ours implements passes on; a signature we cannot check disables the hook."""
        hooks = self.data.get("hooks")
        if not isinstance(hooks, list) or "hooks" not in schema.TOP_LEVEL_KEYS:
            return
        from routing.hooks.config import HOOK_KEYS

        agents = self.data.get("agents") or {}
        default = next(iter(agents), None)
        for index, entry in enumerate(hooks):
            if not isinstance(entry, dict):
                continue
            path = f"hooks[{index}]"
            action = entry.pop("action", "agent")
            if action not in (None, "agent"):
                self.note(join_path(path, "action"), f"{action!r} runs the agent here (the only hook action)")
            if not entry.get("agent") and default:
                entry["agent"] = default
                self.note(join_path(path, "agent"), f"not given: the first agent, '{default}', answers")
            scheme = entry.pop("signature_scheme", "hmac_hex")
            algo = entry.pop("signature_algo", "sha256")
            if entry.get("secret") and (scheme not in (None, "hmac_hex") or algo not in (None, "sha256")):
                entry["enabled"] = False
                self.note(
                    path, f"imported disabled: signature {scheme}/{algo} cannot be verified here (hmac_hex/sha256)"
                )
            for key in [key for key in entry if key not in HOOK_KEYS]:
                if key in IGNORED_HOOK or not near_miss(key, HOOK_KEYS):
                    self.ignored(join_path(path, key), IGNORED_HOOK.get(key, "not a hook option here"))
                    del entry[key]

    def mcp_servers(self) -> None:
        """PraisonAI passes extra keys to its MCP client; ours takes command/args/env or url/headers (+ timeout)."""
        servers = self.data.get("mcp_servers")
        if not isinstance(servers, dict):
            return
        from routing.yaml_config.mcp_servers import SERVER_KEYS

        for name, entry in servers.items():
            if not isinstance(entry, dict):
                continue
            for key in [key for key in entry if key not in SERVER_KEYS]:
                if not near_miss(key, SERVER_KEYS):
                    self.ignored(join_path("mcp_servers", name, key), "not an MCP server option here")
                    del entry[key]
