"""The one interface every platform adapter implements, and the values that cross it.

An adapter is built from a channel instance (anything with `name`, `platform`, `credentials`, `options`,
`api_base_url`) and knows nothing of agents, sessions or the database: the webhook view and the
listeners feed it bytes, the pipeline feeds it text to send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import requests

from channels_app.adapters.http_errors import describe_request_error
from channels_app.formatting import render, render_chunks
from channels_app.formatting.flavours import Flavour
from channels_app.platforms import PLATFORMS
from gatewaysite import egress_clients
from gatewaysite.egress_clients import RefusedByPolicy, mount_policy
from gatewaysite.secrets import resolve_secret

CONTEXTS = ("dm", "group", "channel")


class InstanceLike(Protocol):
    """What an adapter reads from a channel instance (the model satisfies it; tests may pass a dataclass)."""

    name: str
    platform: str
    credentials: dict[str, Any]
    options: dict[str, Any]
    api_base_url: str


class VerificationError(Exception):
    """The request is not authentic (bad, missing or stale signature): 401, one generic body."""


class HandshakeRefused(Exception):
    """A registration handshake with the wrong verify token or mode: 403."""


class MalformedPayload(Exception):
    """Authentic request whose body we cannot use (not JSON, not an object, missing ids): 400."""


class NotConfigured(Exception):
    """The instance lacks a credential this adapter needs; fail closed rather than accept unsigned input."""


class DeliveryError(Exception):
    """A send failed. `permanent` errors are recorded and not retried; others retry after `retry_after`."""

    def __init__(self, message: str, *, permanent: bool, retry_after: float | None = None, code: str = "") -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.code = code


@dataclass
class HttpReply:
    """An answer the adapter wants the webhook view to give verbatim (handshakes, sync replies)."""

    status: int = 200
    body: bytes | str = b""
    content_type: str = "text/plain"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class InboundMessage:
    """One platform message, normalised. `dedupe_key` is stable across redeliveries of the same event;
    `message_key` identifies the message itself when one message can arrive as several events
    (Slack `app_mention` + `message`)."""

    platform: str
    dedupe_key: str
    chat_id: str
    text: str
    context: str = "dm"
    thread_id: str = ""
    sender_id: str = ""
    sender_name: str = ""
    message_id: str = ""
    message_key: str = ""
    mentioned: bool = False
    is_bot_echo: bool = False
    ignore_reason: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    reply: dict[str, Any] = field(default_factory=dict)
    instance: str = ""


@dataclass
class DeliveryStatus:
    """A platform's receipt about something we sent (WhatsApp statuses): recorded, never answered."""

    platform_message_id: str
    status: str
    error_code: str = ""
    error_message: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Target:
    """Where a reply goes: the conversation, its thread, and what it answers."""

    chat_id: str
    thread_id: str = ""
    reply_to: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sent:
    """What the platform told us about a delivered chunk."""

    platform_message_id: str = ""
    response: dict[str, Any] = field(default_factory=dict)


NO_LIMIT = 1_000_000  # "no practical limit" (email): one message per reply


class Adapter:
    """Base adapter: subclasses set the class attributes and override what their platform needs."""

    platform: ClassVar[str] = ""
    default_api_base_url: ClassVar[str] = ""
    flavour: ClassVar[str | Flavour] = "plain"
    # From the platform's facts (channels_app/platforms.py), set per subclass; no practical limit → NO_LIMIT.
    text_limit: ClassVar[int] = 4000
    # Headers added to a 400 answer (Slack: ask not to retry a permanent failure, PLATFORMS.md §2.4).
    malformed_headers: ClassVar[dict[str, str]] = {}
    connect_timeout: ClassVar[float] = 5.0
    read_timeout: ClassVar[float] = 15.0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        spec = PLATFORMS.get(cls.platform)
        if spec is not None:  # the platform's facts are stated once, in channels_app/platforms.py
            cls.text_limit = spec.text_limit or NO_LIMIT

    def __init__(self, instance: InstanceLike, session: requests.Session | None = None) -> None:
        self.instance = instance
        self.http = session or _shared_session()

    # -- configuration -------------------------------------------------------------------------
    @property
    def api_base_url(self) -> str:
        """The instance's API base (tests and proxies point it elsewhere), else the real platform."""
        return (getattr(self.instance, "api_base_url", "") or self.default_api_base_url).rstrip("/")

    def credential(self, key: str, *, required: bool = True) -> str:
        """A credential resolved at the moment of use (`${VAR}` stays a reference in the database)."""
        raw = (self.instance.credentials or {}).get(key)
        value = resolve_secret(raw) if raw is not None else None
        if value is None and required:
            raise NotConfigured(f"channel '{self.instance.name}' has no usable credential '{key}'")
        return value or ""

    def option(self, key: str, default: Any = None) -> Any:
        """An option from the instance, else the platform spec's default, else `default`."""
        options = self.instance.options or {}
        if key in options:
            return options[key]
        spec_default = self.instance.option(key) if hasattr(self.instance, "option") else None
        return default if spec_default is None else spec_default

    # -- inbound ---------------------------------------------------------------------------------
    def verify(self, body: bytes, headers: Mapping[str, str], now: float | None = None) -> None:
        """Raise VerificationError unless the raw body is authentic. Subclasses must override."""
        raise VerificationError("this adapter cannot verify webhook requests")

    def verify_get(self, query: Mapping[str, str]) -> HttpReply | None:
        """Answer a GET registration handshake (Meta `hub.challenge`); None means GET is not allowed (405)."""
        return None

    def handshake(self, payload: dict[str, Any]) -> HttpReply | None:
        """Answer an in-band handshake after verification (Slack `url_verification`); None when not one."""
        return None

    def parse(self, payload: dict[str, Any], headers: Mapping[str, str]) -> list[InboundMessage]:
        """Normalised messages in the payload; unknown event types give an empty list (200, ignored)."""
        return []

    def parse_statuses(self, payload: dict[str, Any]) -> list[DeliveryStatus]:
        """Delivery receipts in the payload (default: none)."""
        return []

    def accepted_reply(self, messages: list[InboundMessage]) -> HttpReply:
        """What the platform hears once the delivery is stored."""
        return HttpReply(200, b"", "text/plain")

    # -- outbound --------------------------------------------------------------------------------
    def format(self, markdown: str) -> str:
        return render(markdown, self.flavour)

    def split(self, markdown: str) -> list[str]:
        """Chunks of the formatted reply, each within the platform's limit (option `text_limit` lowers it)."""
        limit = int(self.option("text_limit", self.text_limit) or self.text_limit)
        return render_chunks(markdown, self.flavour, min(limit, self.text_limit))

    def target_for(self, message: InboundMessage) -> Target:
        return Target(chat_id=message.chat_id, thread_id=message.thread_id, reply_to=message.message_id)

    def send(self, chunk: str, target: Target) -> Sent:
        raise DeliveryError(f"{self.platform} adapter cannot send", permanent=True)

    def typing(self, target: Target) -> None:
        """Show an activity indicator where the platform has one; best effort, never raises."""

    def post_activity(self, target: Target, text: str) -> str:
        """Post a short status line ("Using search_web…") and return its message id, to edit or delete it later.

        '' means the platform cannot edit messages away: the caller shows the typing indicator instead.
        """
        return ""

    def edit_activity(self, target: Target, message_id: str, text: str) -> None:
        """Replace the status line's text (the next tool)."""

    def delete_activity(self, target: Target, message_id: str) -> None:
        """Remove the status line once the answer is there."""

    def react(self, target: Target, message_id: str, emoji: str, *, replaces: str = "") -> None:
        """Put `emoji` on the user's message `message_id` and take `replaces` off ('' adds or removes nothing).

        The ack/done reactions (ack_emoji, done_emoji) use it. A platform without reactions does nothing; errors
        raise DeliveryError and callers treat reactions as best effort.
        """

    # -- helpers for subclasses ------------------------------------------------------------------
    def post_json(self, url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> requests.Response:
        """POST with timeouts; connection problems become transient DeliveryErrors."""
        try:
            return egress_clients.post(
                self.http, url, json=body, headers=headers, timeout=(self.connect_timeout, self.read_timeout)
            )
        except RefusedByPolicy as exc:
            raise DeliveryError(f"{self.platform}: {exc}", permanent=True, code="egress_refused") from exc
        except requests.RequestException as exc:
            message = describe_request_error(self.platform, exc, url)
            raise DeliveryError(message, permanent=False) from exc


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a Retry-After header given in seconds (the form chat platforms use)."""
    try:
        return max(0.0, float(value)) if value not in (None, "") else None
    except ValueError:
        return None


def json_or_empty(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


_SESSION: requests.Session | None = None


def _shared_session() -> requests.Session:
    """One pooled HTTP session per process (PLATFORMS.md §2.5)."""
    global _SESSION
    if _SESSION is None:
        # Every platform call and callback goes through the outbound policy (gatewaysite/egress.py).
        _SESSION = mount_policy(requests.Session(), pool_connections=16, pool_maxsize=64)
    return _SESSION
