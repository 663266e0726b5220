"""Static facts about each supported platform: which credentials and options an instance takes, and its limits.

The admin, the YAML importer, the API and the adapters all read this one table, so a platform is described once.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CredentialSpec:
    """One credential key of a platform; `secret` ones are masked everywhere and never exported in clear."""

    key: str
    help: str
    secret: bool = True


@dataclass(frozen=True)
class OptionSpec:
    """One non-secret option key; `choices` closes the set of accepted values."""

    key: str
    help: str
    kind: type = str
    choices: tuple[str, ...] = ()
    default: object = None


@dataclass(frozen=True)
class PlatformSpec:
    """What an instance of a platform needs and how its messages are bounded."""

    name: str
    label: str
    credentials: tuple[CredentialSpec, ...]
    # Each inner tuple is "at least one of these keys must be set"; a one-key tuple is a plain requirement.
    required: tuple[tuple[str, ...], ...]
    options: tuple[OptionSpec, ...] = ()
    # Characters per message the adapter splits replies under (None: no practical limit). Read by the adapters.
    text_limit: int | None = None
    default_api_base_url: str = ""
    extra_help: str = ""
    # Option keys shared by every platform.
    common_options: tuple[OptionSpec, ...] = field(default_factory=tuple)

    @property
    def credential_keys(self) -> list[str]:
        return [spec.key for spec in self.credentials]

    @property
    def secret_keys(self) -> set[str]:
        return {spec.key for spec in self.credentials if spec.secret}

    @property
    def option_keys(self) -> list[str]:
        return [spec.key for spec in (*COMMON_OPTIONS, *self.options)]

    def option(self, key: str) -> OptionSpec | None:
        for spec in (*COMMON_OPTIONS, *self.options):
            if spec.key == key:
                return spec
        return None

    def missing_credentials(self, credentials: dict[str, str]) -> list[str]:
        """Human-readable list of unmet requirements ("token", "signing_secret or app_token")."""
        missing = []
        for alternatives in self.required:
            if not any(str(credentials.get(key) or "").strip() for key in alternatives):
                missing.append(" or ".join(alternatives))
        return missing


COMMON_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "group_policy",
        "In groups and channels: answer only when mentioned or replied to (mention_only), or every message (all).",
        choices=("mention_only", "all"),
        default="mention_only",
    ),
    OptionSpec(
        "allowed_users",
        "Sender ids allowed to talk to the bot: a list, or one ${VAR} holding comma-separated ids (empty: everyone).",
        kind=list,
        default=[],
    ),
    OptionSpec("blocked_users", "Sender ids never answered (a list, or one ${VAR} of comma-separated ids).", kind=list),
    OptionSpec(
        "unknown_user_policy",
        "Senders outside allowed_users and owner_user_id: deny (refused), pair (refused; the owner is told once), "
        "allow (answered).",
        choices=("deny", "pair", "allow"),
        default="deny",
    ),
    OptionSpec("owner_user_id", "Sender id of the bot's owner, always answered (even with allowed_users set)."),
    OptionSpec("ack_emoji", "Reaction put on the user's message while the agent works (empty: none), e.g. ⏳."),
    OptionSpec("done_emoji", "Reaction that replaces ack_emoji once the answer is sent (empty: just remove it)."),
    OptionSpec(
        "ack_scope",
        "Which messages get ack_emoji: off, direct (DMs), group-mentions (DMs + mentions), group-all, all.",
        choices=("off", "direct", "group-mentions", "group-all", "all"),
        default="group-mentions",
    ),
    OptionSpec("text_limit", "Lower the platform's per-message character limit for replies.", kind=int),
    OptionSpec(
        "rate_limit", "Deliveries per minute accepted for this instance (0: no limit; over it → 429).", kind=int
    ),
    OptionSpec("sender_rate_limit", "Messages per minute answered per sender (over: stored, not answered).", kind=int),
    OptionSpec(
        "allowed_channels", "Chat / channel ids the bot answers in (empty: every chat it is in).", kind=list, default=[]
    ),
    OptionSpec(
        "rate_limit_reply",
        "Told once per window to a sender over sender_rate_limit (empty: silence).",
        default="You're sending messages too quickly. Please wait a moment and try again.",
    ),
    OptionSpec(
        "not_allowed_reply",
        "Told to a sender who is not allowed to use the bot (empty, the default: silence).",
        default="",
    ),
    OptionSpec(
        "tool_activity",
        'Show tool use while the agent works ("Using search_web…"): a message edited away by the answer where the '
        "platform allows it, a typing indicator elsewhere.",
        kind=bool,
        default=True,
    ),
)
# Options that take a list of sender ids or one `${VAR}` string holding them comma-separated.
USER_LIST_OPTIONS = ("allowed_users", "blocked_users")
SECURITY = ("tls", "starttls", "none")

PLATFORMS: dict[str, PlatformSpec] = {
    spec.name: spec
    for spec in (
        PlatformSpec(
            name="slack",
            label="Slack",
            credentials=(
                CredentialSpec("token", "Bot token (xoxb-…)."),
                CredentialSpec("signing_secret", "Signing secret, verifies Events API deliveries."),
                CredentialSpec("app_token", "App-level token (xapp-…); when set, Socket Mode is used."),
                CredentialSpec("signing_secret_previous", "Previous signing secret, accepted during rotation."),
            ),
            required=(("token",), ("signing_secret", "app_token")),
            options=(
                OptionSpec("mode", "events (HTTP Events API) or socket (Socket Mode).", choices=("events", "socket")),
                OptionSpec("bot_user_id", "The bot's user id (U…), to ignore its own messages and strip mentions."),
                OptionSpec("bot_id", "The bot's bot id (B…), to ignore its own messages."),
                OptionSpec("app_id", "The app id (A…); events for other apps are ignored."),
                OptionSpec("answer_other_bots", "Answer messages posted by other bots.", kind=bool, default=False),
                OptionSpec(
                    "slash_commands",
                    "Slash command → agent name ({'/budget-impact': 'coordinator'}); other commands follow the routing.",
                    kind=dict,
                    default={},
                ),
                OptionSpec(
                    "slash_response_type",
                    "How slash command answers show: in_channel (everyone) or ephemeral (only the caller).",
                    choices=("in_channel", "ephemeral"),
                    default="in_channel",
                ),
                OptionSpec("ping_interval", "Socket Mode: seconds between WebSocket pings.", kind=float, default=30),
                OptionSpec("hello_timeout", "Socket Mode: seconds to wait for Slack's hello.", kind=float, default=10),
            ),
            text_limit=3900,
            default_api_base_url="https://slack.com/api",
        ),
        PlatformSpec(
            name="whatsapp",
            label="WhatsApp Cloud API",
            credentials=(
                CredentialSpec("token", "System-user access token."),
                CredentialSpec("phone_number_id", "Business phone number id that sends replies.", secret=False),
                CredentialSpec("verify_token", "Token Meta echoes in the GET verification handshake."),
                CredentialSpec("app_secret", "App secret, verifies X-Hub-Signature-256."),
            ),
            required=(("token",), ("phone_number_id",)),
            options=(
                OptionSpec("mode", "cloud (Meta Cloud API).", choices=("cloud",)),
                OptionSpec("api_version", "Graph API version used in reply URLs.", default="v21.0"),
            ),
            text_limit=4096,
            default_api_base_url="https://graph.facebook.com",
        ),
        PlatformSpec(
            name="telegram",
            label="Telegram",
            credentials=(
                CredentialSpec("token", "Bot token from @BotFather."),
                CredentialSpec("secret_token", "Secret echoed in X-Telegram-Bot-Api-Secret-Token (webhook mode)."),
            ),
            required=(("token",),),
            options=(
                OptionSpec(
                    "mode",
                    "webhook (Telegram pushes) or poll (getUpdates long polling). Unset: polling, unless a "
                    "secret_token is set and Telegram has a webhook registered.",
                    choices=("webhook", "poll"),
                ),
                OptionSpec("bot_username", "The bot's @username, for mention detection in groups (unset: from getMe)."),
                OptionSpec("bot_id", "The bot's numeric id (default: from the token), to ignore its own messages."),
                OptionSpec(
                    "answer_channel_posts", "Answer posts in channels the bot admins.", kind=bool, default=False
                ),
                OptionSpec("poll_timeout", "Long polling: getUpdates timeout in seconds.", kind=int, default=10),
            ),
            text_limit=4096,
            default_api_base_url="https://api.telegram.org",
        ),
        PlatformSpec(
            name="discord",
            label="Discord",
            credentials=(
                CredentialSpec("token", "Bot token."),
                CredentialSpec("public_key", "Application public key (hex), verifies interactions.", secret=False),
                CredentialSpec("application_id", "Application id, for interaction follow-ups.", secret=False),
            ),
            required=(("token",),),
            options=(
                OptionSpec(
                    "mode",
                    "gateway (messages over Discord's gateway + interactions) or interactions (slash commands only).",
                    choices=("gateway", "interactions"),
                    default="gateway",
                ),
                OptionSpec(
                    "guild_context", "How guild channels route: channel or group.", choices=("channel", "group")
                ),
                OptionSpec("guild_ready_timeout", "Seconds discord.py waits for guilds at start.", kind=float),
            ),
            text_limit=2000,
            default_api_base_url="https://discord.com/api/v10",
        ),
        PlatformSpec(
            name="email",
            label="Email (IMAP + SMTP)",
            credentials=(
                CredentialSpec("imap_host", "IMAP server host.", secret=False),
                CredentialSpec("imap_port", "IMAP port (993 with TLS).", secret=False),
                CredentialSpec("smtp_host", "SMTP submission host.", secret=False),
                CredentialSpec("smtp_port", "SMTP port (587 STARTTLS, 465 TLS).", secret=False),
                CredentialSpec("username", "Mailbox login.", secret=False),
                CredentialSpec("password", "Mailbox password or app password."),
                CredentialSpec("oauth2_token", "OAuth2 access token (XOAUTH2) instead of a password."),
                CredentialSpec("address", "From address of replies (default: username).", secret=False),
            ),
            required=(("imap_host",), ("smtp_host",), ("username",), ("password", "oauth2_token")),
            options=(
                OptionSpec("mailbox", "IMAP folder to watch.", default="INBOX"),
                OptionSpec("poll_interval", "Seconds between polls when the server has no IDLE.", kind=int, default=30),
                OptionSpec("security", "tls, starttls or none.", choices=SECURITY, default="tls"),
                OptionSpec("imap_security", "IMAP only: tls, starttls or none.", choices=SECURITY),
                OptionSpec("smtp_security", "SMTP only: tls, starttls or none.", choices=SECURITY),
                OptionSpec("imap_timeout", "Seconds before an IMAP call times out.", kind=float, default=30),
                OptionSpec("use_idle", "Use IMAP IDLE when the server has it.", kind=bool, default=True),
                OptionSpec("idle_check_interval", "Seconds between IDLE checks.", kind=float, default=5),
                OptionSpec("from_name", "Display name on replies."),
                OptionSpec(
                    "allowed_domains",
                    "Sender domains answered (example.com); with allowed_users, a sender matching either is answered.",
                    kind=list,
                ),
            ),
            text_limit=None,
        ),
        PlatformSpec(
            name="webhook",
            label="Generic HTTP webhook",
            credentials=(
                CredentialSpec("secret", "HMAC-SHA256 secret shared with the caller."),
                CredentialSpec(
                    "callback_url", "Where replies are POSTed (signed); empty: in the HTTP response.", secret=False
                ),
                CredentialSpec("secret_previous", "Previous secret, accepted during rotation."),
            ),
            required=(("secret",),),
            options=(
                OptionSpec("signature_header", "Header carrying the signature.", default="X-Signature-256"),
                OptionSpec(
                    "signature_scheme",
                    "hmac (sha256=<hex> of the body), stripe (t=…,v1=…) or standard (Standard Webhooks).",
                    choices=("hmac", "stripe", "standard"),
                    default="hmac",
                ),
                OptionSpec("context", "Routing context of callers.", choices=("dm", "group", "channel")),
                OptionSpec("allowed_callback_hosts", "Hosts a caller-given callback URL may point at.", kind=list),
            ),
            text_limit=100_000,
        ),
        PlatformSpec(
            name="websocket",
            label="WebSocket clients",
            credentials=(),
            required=(),
            text_limit=None,
            extra_help="Routing rules for clients of the /ws control plane.",
        ),
    )
}

PLATFORM_CHOICES = [(spec.name, spec.label) for spec in PLATFORMS.values()]


def get_platform(name: str) -> PlatformSpec | None:
    """The spec of a platform, or None when the name is not one we support."""
    return PLATFORMS.get(name)
