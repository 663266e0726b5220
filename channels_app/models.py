"""Channel instances, the gateway's server settings, and the durable record of every message in and out."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from channels_app.platforms import PLATFORM_CHOICES, get_platform
from gatewaysite.singleton import SingletonModel


class ChannelInstance(models.Model):
    """One bot on one platform (several of one platform may run side by side), with its credentials and options."""

    name = models.SlugField(max_length=100, unique=True, help_text="Instance name; its webhook is /webhooks/<name>/.")
    platform = models.CharField(
        max_length=32, choices=PLATFORM_CHOICES, help_text="Which adapter serves this instance."
    )
    credentials = models.JSONField(
        default=dict,
        blank=True,
        help_text="Platform credentials by key. Values may be ${VAR} references, resolved only when used.",
    )
    options = models.JSONField(default=dict, blank=True, help_text="Non-secret platform options (mode, group_policy…).")
    api_base_url = models.URLField(
        max_length=500, blank=True, help_text="Platform API base URL (proxies, tests). Empty: the real platform."
    )
    enabled = models.BooleanField(default=True, help_text="A disabled instance receives and sends nothing (404).")
    paused = models.BooleanField(
        default=False,
        help_text="A paused instance keeps receiving and storing messages but answers none until it is resumed.",
    )
    last_error = models.TextField(blank=True, help_text="Last permanent delivery or listener error.")
    last_error_at = models.DateTimeField(null=True, blank=True, help_text="When last_error happened.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the instance was created.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When the instance was last changed.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.platform})"

    @property
    def spec(self):  # noqa: ANN201 - PlatformSpec | None; kept untyped to avoid an import cycle in annotations
        """The static platform facts for this instance."""
        return get_platform(self.platform)

    def option(self, key: str) -> object:
        """An option's value, or the platform's default for it."""
        if key in self.options:
            return self.options[key]
        spec = self.spec.option(key) if self.spec else None
        return spec.default if spec else None


NOTIFICATION_LEVELS = [
    ("all", "all: start, tool activity and result"),
    ("result", "result or failure"),
    ("error", "failures only"),
    ("off", "nothing"),
]


def default_reset_commands() -> list[str]:
    """The session commands Agentix users already type."""
    return ["/new", "/reset", "/clear"]


class GatewaySettings(SingletonModel):
    """The gateway server's own settings (the `gateway:` block of gateway.yaml)."""

    host = models.CharField(max_length=255, default="127.0.0.1", help_text="Address rungateway binds to.")
    port = models.PositiveIntegerField(
        default=8765, validators=[MinValueValidator(1), MaxValueValidator(65535)], help_text="Port rungateway binds to."
    )
    auth_token = models.CharField(
        max_length=500, blank=True, help_text="Shared token for WebSocket and API clients; a ${VAR} reference is best."
    )
    allowed_origins = models.JSONField(
        default=list, blank=True, help_text="WebSocket Origin allow-list for non-loopback binds ('*' allows any)."
    )
    max_connections = models.PositiveIntegerField(
        default=1000, help_text="Most concurrent WebSocket connections, counted across every server process."
    )
    heartbeat_interval = models.PositiveIntegerField(
        default=30, help_text="Seconds between server heartbeats; a peer silent for two intervals is closed."
    )
    reconnect_timeout = models.PositiveIntegerField(
        default=60, help_text="Seconds a disconnected client may resume its session and get what it missed."
    )
    ssl_cert = models.CharField(max_length=500, blank=True, help_text="TLS certificate path (PEM) for rungateway.")
    ssl_key = models.CharField(max_length=500, blank=True, help_text="TLS private key path (PEM) for rungateway.")
    session_timeout = models.PositiveIntegerField(
        default=3600, help_text="Seconds of inactivity after which a conversation session expires."
    )
    session_max_messages = models.PositiveIntegerField(
        default=1000, help_text="Most messages kept in a session's history (oldest dropped first)."
    )
    push_enabled = models.BooleanField(default=False, help_text="Serve push pub/sub (channels, presence, polling).")
    push_options = models.JSONField(
        default=dict, blank=True, help_text="Push tuning (ack_timeout, max_retries, retention_seconds…)."
    )
    session_reset_commands = models.JSONField(
        default=default_reset_commands,
        blank=True,
        help_text="Messages that start a fresh session in any conversation (/new, /reset, /clear). Empty: none.",
    )
    background_command = models.CharField(
        max_length=50,
        default="/background",
        blank=True,
        help_text="Prefix that runs the rest of a message as a detached task (/background <task>). Empty: off.",
    )
    background_notification_level = models.CharField(
        max_length=8,
        choices=NOTIFICATION_LEVELS,
        default="result",
        help_text="What a background task reports: all (start, tools, result), result, error (failures only), off.",
    )
    max_background_tasks = models.PositiveIntegerField(
        default=5, help_text="Most background tasks running at once in one conversation; more are refused."
    )

    class Meta:
        verbose_name = "gateway settings"
        verbose_name_plural = "gateway settings"

    def __str__(self) -> str:
        return f"Gateway {self.host}:{self.port}"


class InboundEvent(models.Model):
    """A platform delivery, stored before it is acknowledged; the unique key makes retries harmless."""

    class Status(models.TextChoices):
        RECEIVED = "received", "received"
        PROCESSING = "processing", "processing"
        DONE = "done", "done"
        IGNORED = "ignored", "ignored"
        FAILED = "failed", "failed"

    instance = models.ForeignKey(
        ChannelInstance, on_delete=models.CASCADE, related_name="inbound_events", help_text="Instance it arrived on."
    )
    dedupe_key = models.CharField(max_length=255, help_text="The platform's unique id for this event.")
    event_type = models.CharField(max_length=64, blank=True, help_text="Platform event type (message, app_mention…).")
    payload = models.JSONField(default=dict, help_text="The normalised message and the raw platform payload.")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True, help_text="Processing state."
    )
    attempts = models.PositiveIntegerField(default=0, help_text="How many times processing started.")
    error = models.TextField(blank=True, help_text="Why processing failed or was ignored.")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True, help_text="When the delivery was stored.")
    started_at = models.DateTimeField(null=True, blank=True, help_text="When processing last started.")
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When processing finished.")
    message_key = models.CharField(
        max_length=255,
        blank=True,
        help_text="The message's own identity when one message can arrive as several events (Slack channel+ts).",
    )
    conversation_key = models.CharField(
        max_length=255, blank=True, db_index=True, help_text="instance:chat:thread; events of one key run in order."
    )
    chat_id = models.CharField(max_length=255, blank=True, help_text="Platform conversation id.")
    thread_id = models.CharField(max_length=255, blank=True, help_text="Platform thread id, when threaded.")
    context = models.CharField(max_length=16, blank=True, help_text="dm, group or channel (picks the routing rule).")
    sender_id = models.CharField(max_length=255, blank=True, help_text="Platform id of the sender.")
    reply = models.TextField(
        blank=True, help_text="The agent's answer (Markdown), kept so a resumed run delivers the same text."
    )

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["instance", "dedupe_key"], name="inbound_event_dedupe"),
            models.UniqueConstraint(
                fields=["instance", "message_key"],
                condition=~models.Q(message_key=""),
                name="inbound_event_message_dedupe",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instance.name}:{self.dedupe_key} ({self.status})"


class OutboundMessage(models.Model):
    """One message the gateway sends (a reply chunk or a scheduled message), with delivery status and attempts."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    instance = models.ForeignKey(
        ChannelInstance,
        on_delete=models.CASCADE,
        related_name="outbound_messages",
        help_text="Instance it goes out on.",
    )
    inbound = models.ForeignKey(
        InboundEvent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
        help_text="The inbound event this answers, if any.",
    )
    idempotency_key = models.CharField(
        max_length=255, unique=True, help_text="One key per reply chunk, so a chunk is never sent twice."
    )
    chat_id = models.CharField(max_length=255, help_text="Platform conversation id.")
    thread_id = models.CharField(max_length=255, blank=True, help_text="Platform thread id, when threaded.")
    text = models.TextField(help_text="The text as sent, in the platform's markup.")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True, help_text="Delivery state."
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Send attempts so far.")
    error = models.TextField(blank=True, help_text="Last delivery error.")
    platform_message_id = models.CharField(
        max_length=255, blank=True, db_index=True, help_text="Id the platform gave the message."
    )
    seq = models.PositiveIntegerField(default=0, help_text="Position of this chunk in its reply, from 0.")
    delivery_status = models.CharField(
        max_length=32, blank=True, help_text="Latest receipt from the platform (delivered, read, failed…)."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, help_text="When the reply was produced.")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the platform accepted it.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.instance.name}→{self.chat_id} ({self.status})"
