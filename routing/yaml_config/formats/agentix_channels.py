"""Agentix's `channels.<name>` entries (`adapter:` + the adapter's own keyword names + `auth:`) as our instances.

Where Agentix reads a value from the environment when the YAML omits it (SLACK_BOT_TOKEN, EMAIL_PASSWORD…), the
instance gets a `${VAR}` reference to the same variable, so the operator's existing environment keeps working.
"""

from __future__ import annotations

from routing.yaml_config.issues import ConfigIssue, join_path

# adapter keyword → (our credential/option key, environment variable Agentix falls back to)
SLACK = {"bot_token": ("token", "SLACK_BOT_TOKEN"), "signing_secret": ("signing_secret", "SLACK_SIGNING_SECRET")}
WHATSAPP = {
    "access_token": ("token", "WHATSAPP_ACCESS_TOKEN"),
    "phone_number_id": ("phone_number_id", "WHATSAPP_PHONE_NUMBER_ID"),
    "verify_token": ("verify_token", "WHATSAPP_VERIFY_TOKEN"),
    "app_secret": ("app_secret", "WHATSAPP_APP_SECRET"),
}
EMAIL_CREDENTIALS = {
    "imap_host": ("imap_host", "EMAIL_IMAP_HOST"),
    "smtp_host": ("smtp_host", "EMAIL_SMTP_HOST"),
    "email_address": ("username", "EMAIL_ADDRESS"),
    "email_password": ("password", "EMAIL_PASSWORD"),
}
EMAIL_IGNORED = {
    "max_attachment_size": "attachments are not passed to agents",
    "allowed_attachment_types": "attachments are not passed to agents",
    "attachment_dir": "attachments are not passed to agents",
    "skip_attachments": "attachments are not passed to agents",
    "workspace_cwd": "agents have no working directory",
    "auth_bypass_senders": "every sender is checked against allowed_users / allowed_domains",
    "webhook_secret": "email arrives over IMAP only (Agentix ignores it too)",
}
ROUTE_IGNORED = {
    "events": "the generic webhook answers message.created payloads (see docs/channels.md)",
    "prompt": "the message text is sent to the agent as is",
    "max_body_size_mb": "bodies are bounded by GATEWAY_MAX_BODY_BYTES",
}
AUTH_KEYS = ("allowed_users", "blocked_users", "allowed_channels", "allowed_domains")


class ChannelTranslator:
    """Turns one Agentix channel into one (or, for webhook routes, several) of our instances."""

    def __init__(self, warnings: list[ConfigIssue], errors: list[ConfigIssue], agent: str, agents: dict) -> None:
        self.warnings = warnings
        self.errors = errors
        self.agent = agent
        self.agents = agents

    def ignored(self, path: str, reason: str) -> None:
        self.warnings.append(ConfigIssue(path, f"ignored: {reason}", level="warning"))

    def channel(self, name: str, entry: object, top_auth: object, shared: dict[str, object]) -> dict[str, dict]:
        path = join_path("channels", name)
        if not isinstance(entry, dict):
            self.errors.append(ConfigIssue(path, f"must be a mapping, got {type(entry).__name__}"))
            return {}
        entry = dict(entry)
        adapter = str(entry.pop("adapter", "") or "")
        auth = entry.pop("auth", None)
        out: dict[str, object] = {"platform": adapter, **shared}
        if adapter == "slack":
            self.mapped(path, entry, SLACK, out)
        elif adapter == "whatsapp":
            if "api_version" in entry:
                out["api_version"] = entry.pop("api_version")
            self.mapped(path, entry, WHATSAPP, out)
        elif adapter == "email":
            self.email(path, entry, out)
        elif adapter == "webhook":
            return self.webhook(path, entry, shared)
        elif adapter == "whatsapp_baileys":
            self.ignored(path, "WhatsApp Web (Baileys) is not supported; use adapter: whatsapp (Cloud API)")
            return {}
        else:
            self.errors.append(
                ConfigIssue(
                    join_path(path, "adapter"), f"unknown adapter {adapter!r} (slack, whatsapp, email, webhook)"
                )
            )
            return {}
        for key in entry:
            self.ignored(join_path(path, key), f"the {adapter} adapter has no such setting here")
        for source, where in ((top_auth, "auth"), (auth, join_path(path, "auth"))):
            self.auth(where, source, adapter, out)
        if self.agent:
            out["routing"] = {"default": self.agent}
        return {name: out}

    def mapped(self, path: str, entry: dict, table: dict[str, tuple[str, str]], out: dict) -> None:
        """Copy renamed keys; a key Agentix would read from the environment becomes a reference to that variable."""
        for theirs, (ours, variable) in table.items():
            value = entry.pop(theirs, None)
            out[ours] = str(value) if value not in (None, "") else f"${{{variable}}}"

    def email(self, path: str, entry: dict, out: dict) -> None:
        self.mapped(path, entry, EMAIL_CREDENTIALS, out)
        address = out["username"]
        out["address"] = address
        for login_key, secret_key in (("smtp_user", "smtp_password"), ("imap_user", "imap_password")):
            login, secret = entry.pop(login_key, None), entry.pop(secret_key, None)
            if login and login != address:
                self.ignored(join_path(path, login_key), "one login (email_address) serves IMAP and SMTP")
            if secret and secret != out["password"]:
                self.ignored(join_path(path, secret_key), "one password (email_password) serves IMAP and SMTP")
        for key in ("smtp_port", "imap_port"):
            if entry.get(key) is not None:
                out[key] = str(entry.pop(key))
        use_tls = entry.pop("use_tls", True)
        port = str(out.get("smtp_port", "587"))
        out["smtp_security"] = ("tls" if port == "465" else "starttls") if use_tls else "none"
        if "imap_ssl" in entry:
            out["imap_security"] = "tls" if entry.pop("imap_ssl") else "none"
        if "imap_folder" in entry:
            out["mailbox"] = entry.pop("imap_folder")
        if entry.get("poll_interval") is not None:
            out["poll_interval"] = max(1, round(float(entry.pop("poll_interval"))))
        if entry.get("from_name"):
            out["from_name"] = entry.pop("from_name")
        for key in ("allowed_users", "allowed_domains"):
            if entry.get(key):
                out[key] = [str(item) for item in entry.pop(key)]
        for key, reason in EMAIL_IGNORED.items():
            if key in entry:
                entry.pop(key)
                self.ignored(join_path(path, key), reason)

    def auth(self, path: str, auth: object, adapter: str, out: dict) -> None:
        """`auth:` becomes the instance's admission options (allowed/blocked senders, chats, email domains)."""
        if auth is None:
            return
        if not isinstance(auth, dict):
            self.errors.append(ConfigIssue(path, f"must be a mapping, got {type(auth).__name__}"))
            return
        for key, value in auth.items():
            if key not in AUTH_KEYS:
                self.ignored(join_path(path, key), f"auth takes {', '.join(AUTH_KEYS)}")
            elif key == "allowed_domains" and adapter != "email":
                self.ignored(join_path(path, key), "sender domains exist only for email")
            elif value:
                out[key] = [str(item) for item in value]

    def webhook(self, path: str, entry: dict, shared: dict[str, object]) -> dict[str, dict]:
        """Each Agentix route is served at /webhooks/<route>/, so each becomes an instance named after its route."""
        routes = entry.pop("routes", None) or {}
        named = entry.pop("agents", None) or {}
        for key in entry:
            self.ignored(join_path(path, key), "the webhook adapter takes routes and agents")
        from routing.yaml_config.formats.agentix import agent_name

        for agent_key, options in named.items() if isinstance(named, dict) else ():
            options = options if isinstance(options, dict) else {}
            self.agents.setdefault(
                agent_name(agent_key),
                {"memory": True, "instructions": str(options.get("system_prompt") or ""), **_model(options)},
            )
        out: dict[str, dict] = {}
        for route, config in routes.items() if isinstance(routes, dict) else ():
            route_path = join_path(path, "routes", route)
            config = dict(config) if isinstance(config, dict) else {}
            instance: dict[str, object] = {"platform": "webhook", **shared}
            instance.pop("rate_limit_reply", None)
            instance["secret"] = str(config.pop("secret", None) or "${WEBHOOK_SECRET}")
            deliver = config.pop("deliver", "log")
            callback = config.pop("callback_url", None)
            if deliver == "http_callback" and callback:
                instance["callback_url"] = str(callback)
            elif deliver != "log":
                self.errors.append(ConfigIssue(join_path(route_path, "deliver"), "must be log or http_callback"))
            if config.get("rate_limit_per_min") is not None:
                instance["rate_limit"] = int(config.pop("rate_limit_per_min"))
            agent = config.pop("agent", None)
            target = agent_name(agent) if agent and agent_name(agent) in self.agents else self.agent
            if target:
                instance["routing"] = {"default": target}
            for key in config:
                self.ignored(join_path(route_path, key), ROUTE_IGNORED.get(key, "not a webhook route setting"))
            out[str(route)] = instance
        return out


def _model(options: dict) -> dict[str, object]:
    model = options.get("model")
    return {"model": str(model)} if model else {}
