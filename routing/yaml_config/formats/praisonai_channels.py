"""PraisonAI's per-channel keys turned into ours: mapped, kept, or accepted with one warning that names them.

PraisonAI's channel schema allows extra keys (plugins declare their own), so an unknown channel key is a warning
here, not an error — unless it is a near-miss of a key we know, which is far more likely a typo.
"""

from __future__ import annotations

import difflib

from channels_app.platforms import get_platform
from gatewaysite.secrets import referenced_variables
from routing.yaml_config.issues import ConfigIssue, join_path

GROUP_PREFIX = "group:"
USER_LIST_KEYS = ("allowed_users", "allowlist", "blocklist")
ACK_SCOPES = ("off", "direct", "group-mentions", "group-all", "all")
UNKNOWN_USER_POLICIES = ("deny", "pair", "allow")

# The variable PraisonAI reads a platform's token from when the file gives none (its onboarding writes these).
TOKEN_ENV = {
    "telegram": "TELEGRAM_BOT_TOKEN",
    "slack": "SLACK_BOT_TOKEN",
    "discord": "DISCORD_BOT_TOKEN",
    "whatsapp": "WHATSAPP_ACCESS_TOKEN",
}

# mode values PraisonAI writes → ours, per platform (PraisonAI's default `poll` means "hold a connection").
MODES = {
    "slack": {"poll": "socket", "socket": "socket", "socket_mode": "socket", "webhook": "events", "events": "events"},
    "telegram": {"poll": "poll", "polling": "poll", "webhook": "webhook"},
    "discord": {"poll": "gateway", "gateway": "gateway", "interactions": "interactions"},
    "whatsapp": {"cloud": "cloud", "webhook": "cloud", "poll": "cloud"},
}
GROUP_POLICIES = {"mention_only": "mention_only", "respond_all": "all", "all": "all"}

# Keys PraisonAI's channel schema defines that mean nothing here, with the reason the warning gives.
IGNORED = {
    "adapter": "adapters are chosen by platform here",
    "allow_silence": "the agent always answers",
    "silence_token": "the agent always answers",
    "bot_loop_protection": "bot echoes are never answered here",
    "admin_users": "there are no in-chat admin commands; operators use the admin",
    "user_allowed_commands": "there are no in-chat commands",
    "bindings": "route with routes: (dm / group / channel / default)",
    "webhook_url": "every instance is served at /webhooks/<name>/ by the one server",
    "webhook_port": "every instance is served at /webhooks/<name>/ by the one server",
    "streaming": "replies are sent whole, split at the platform's limit",
    "home_channel": "schedules name their channel_id",
    "aliases": "there are no command aliases",
    "outbound_resilience": "delivery retries 429/5xx with backoff on its own",
    "delivery": "inbound events and replies are always stored before they are acknowledged or sent",
    "session": "sessions are configured under gateway.session_config",
    "commands": "there are no file-based chat commands",
    "max_history": "history length is gateway.session_config.max_messages",
    "max_inbound_media_bytes": "attachments are not downloaded",
    "stt": "voice notes are not transcribed",
    "voice": "replies are text",
    "allow_shell": "agents have no shell tool",
    "auto_approve_shell": "agents have no shell tool",
    "auto_approve_shell_acknowledge_exposed": "agents have no shell tool",
    "auto_approve_tools": "tools run without chat approval prompts",
    "approval_channel": "tools run without chat approval prompts",
    "approval_users": "tools run without chat approval prompts",
    "approval_mode": "tools run without chat approval prompts",
    "approval_webhook_url": "tools run without chat approval prompts",
    "approval_http_host": "tools run without chat approval prompts",
    "approval_http_port": "tools run without chat approval prompts",
    "creds_dir": "credentials are given in the file or as ${VAR}",
    "inbox_id": "email is read over IMAP",
    "domain": "email is read over IMAP",
}
EMAIL_RENAMES = {"email_address": "address", "imap_server": "imap_host", "smtp_server": "smtp_host"}


class ChannelTranslator:
    """Translates the `channels` section; collects warnings and the errors only a translation can see."""

    def __init__(self, access_groups: dict, warnings: list[ConfigIssue], errors: list[ConfigIssue]) -> None:
        self.access_groups = access_groups
        self.warnings = warnings
        self.errors = errors

    def ignored(self, path: str, reason: str) -> None:
        self.warnings.append(ConfigIssue(path, f"ignored: {reason}", level="warning"))

    def note(self, path: str, message: str) -> None:
        self.warnings.append(ConfigIssue(path, message, level="warning"))

    # -- users ------------------------------------------------------------------------------------------------
    def expand_groups(self, path: str, entries: list[str], stack: tuple[str, ...] = ()) -> list[str]:
        """`group:<name>` entries replaced by the group's members (groups may nest; unknown or cyclic fail)."""
        out: list[str] = []
        for entry in entries:
            if not entry.startswith(GROUP_PREFIX):
                out.append(entry)
                continue
            name = entry[len(GROUP_PREFIX) :].strip()
            if name in stack:
                self.errors.append(ConfigIssue(path, f"access group cycle: {' -> '.join((*stack, name))}"))
            elif name not in self.access_groups:
                known = ", ".join(self.access_groups) or "none defined"
                self.errors.append(ConfigIssue(path, f"unknown access group '{name}' (access_groups: {known})"))
            else:
                out.extend(self.expand_groups(path, split_users(self.access_groups[name]), (*stack, name)))
        return list(dict.fromkeys(out))

    def users(self, path: str, value: object) -> list[str] | str | None:
        """A user list as ours stores it: a list of ids, or one `${VAR}` string resolved at intake (CSV inside)."""
        if value is None:
            return None
        if isinstance(value, str) and referenced_variables(value) and GROUP_PREFIX not in value:
            return value.strip()
        return self.expand_groups(path, split_users(value))

    # -- one channel ------------------------------------------------------------------------------------------
    def channel(self, name: str, data: dict, known_keys: list[str]) -> dict:
        path = join_path("channels", name)
        out = dict(data)
        platform = str(out.get("platform") or name)
        spec = get_platform(platform)
        if platform == "email":
            for theirs, ours in EMAIL_RENAMES.items():
                if theirs in out:
                    out.setdefault(ours, out.pop(theirs))
            if "token" in out:
                out.setdefault("password", out.pop("token"))
            if "address" in out:
                out.setdefault("username", out["address"])
        found = [self.users(join_path(path, key), out.pop(key)) for key in ("allowed_users", "allowlist") if key in out]
        found = [item for item in found if item]
        if len(found) == 1:
            out["allowed_users"] = found[0]
        elif found:  # allowlist merged into allowed_users; a reference becomes one entry resolved at intake
            merged: list[str] = []
            for item in found:
                merged.extend([item] if isinstance(item, str) else item)
            out["allowed_users"] = list(dict.fromkeys(merged))
        if "blocklist" in out:
            blocked = self.users(join_path(path, "blocklist"), out.pop("blocklist"))
            if blocked:
                out["blocked_users"] = blocked
        if "owner_user_id" in out:
            owner = out.pop("owner_user_id")
            if owner not in (None, ""):
                out["owner_user_id"] = str(owner)
        if "unknown_user_policy" in out:
            policy = out.pop("unknown_user_policy")
            if policy is not None:
                out["unknown_user_policy"] = str(policy).strip().lower()
                if out["unknown_user_policy"] == "pair":
                    self.note(
                        join_path(path, "unknown_user_policy"),
                        "pair: unknown users are refused; owner_user_id gets one direct message per sender (Slack, "
                        "Telegram, WhatsApp) and approves by adding them to allowed_users",
                    )
        if isinstance(out.get("ack_scope"), str):
            out["ack_scope"] = out["ack_scope"].strip().lower().replace("_", "-")
        self.mode(path, platform, out)
        self.group_policy(path, out)
        if "allow_bots" in out:
            value = out.pop("allow_bots")
            if platform == "slack":
                out["answer_other_bots"] = bool(value)
            elif value:
                self.ignored(join_path(path, "allow_bots"), f"{platform} messages from bots are never answered here")
        if platform == "whatsapp" and "whatsapp_mode" in out:
            mode = out.pop("whatsapp_mode")
            if mode not in (None, "cloud"):
                self.ignored(join_path(path, "whatsapp_mode"), "only the WhatsApp Cloud API is supported")
        if platform == "slack" and out.get("token") and not out.get("app_token") and not out.get("signing_secret"):
            # PraisonAI runs Slack in Socket Mode with the app token from the environment (SLACK_APP_TOKEN).
            out["app_token"] = "${SLACK_APP_TOKEN}"
            self.note(join_path(path, "app_token"), "not in the file: read from ${SLACK_APP_TOKEN} as PraisonAI does")
        for key in [key for key in out if key not in known_keys]:
            if key in IGNORED:
                self.ignored(join_path(path, key), IGNORED[key])
                del out[key]
            elif spec is not None and not difflib.get_close_matches(str(key), known_keys, n=1, cutoff=0.8):
                # PraisonAI accepts extra channel keys (plugin fields); one that is no near-miss of ours is dropped.
                self.ignored(join_path(path, key), f"not a {platform} option here")
                del out[key]
        return out

    def mode(self, path: str, platform: str, out: dict) -> None:
        if "mode" not in out:
            return
        table = MODES.get(platform)
        spec = get_platform(platform)
        option = spec.option("mode") if spec else None
        value = out["mode"]
        if option is None:
            self.ignored(join_path(path, "mode"), f"{platform} has a single mode here")
            del out["mode"]
        elif table is not None and value in table:
            out["mode"] = table[value]
        elif value not in option.choices:
            self.ignored(
                join_path(path, "mode"), f"{value!r} is not a {platform} mode here ({', '.join(option.choices)})"
            )
            del out["mode"]

    def group_policy(self, path: str, out: dict) -> None:
        value = out.get("group_policy")
        if value is None or value in GROUP_POLICIES.values():
            return
        if value in GROUP_POLICIES:
            out["group_policy"] = GROUP_POLICIES[value]
        elif value in ("command_only", "observe"):
            out["group_policy"] = "mention_only"
            self.note(join_path(path, "group_policy"), f"{value} is answered as mention_only here")


def split_users(value: object) -> list[str]:
    """A list, CSV string or single id as a list of ids (CSV items inside lists are split too, as PraisonAI does)."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    out: list[str] = []
    for item in items:
        text = str(item)
        if referenced_variables(text):
            out.append(text.strip())  # a reference stays one entry; intake resolves and splits it
            continue
        out.extend(part.strip() for part in text.split(",") if part.strip())
    return out
