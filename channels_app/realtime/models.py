"""Durable state of the WebSocket plane: access tokens, connection leases, resumable sessions, push channels.

Everything a second server process must see lives here (or in the channel layer), never only in memory, so a client
may reconnect to any process and a crashed process leaves nothing counted or lost.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models


class AccessToken(models.Model):
    """The one token model for people and machines, on REST and WebSocket alike; only its SHA-256 is stored.

    A person's token (`user` set) works while that user is active, staff and has a role that allows its scopes; it
    is re-checked on connect and periodically for open sockets, expires at `expires_at`, and is revoked (enabled
    turned off, with a reason) when its user is deactivated, demoted or changes password (channels_app.realtime.tokens).
    A token without a user is a service token an admin created for a machine (WebSocket and push polling only).
    """

    class Scope(models.TextChoices):
        READ = "read", "read"
        WRITE = "write", "write"
        ADMIN = "admin", "admin"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_tokens",
        help_text="The person the token acts as (empty: a service token for a machine, WebSocket/polling only).",
    )
    name = models.CharField(max_length=100, help_text="Who or what uses this token.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of the token.")
    prefix = models.CharField(max_length=12, editable=False, help_text="First characters, to recognise the token.")
    scopes = models.JSONField(default=list, help_text="Any of read, write, admin. Admin implies write and read.")
    enabled = models.BooleanField(default=True, help_text="A disabled (revoked) token is refused at once.")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="After this time the token is refused.")
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="When it was revoked.")
    revoked_reason = models.CharField(max_length=200, blank=True, help_text="Why it was revoked.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the token was created.")
    last_used_at = models.DateTimeField(null=True, blank=True, help_text="Last successful authentication.")

    class Meta:
        ordering = ["name"]
        verbose_name = "token"
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="realtime_token_unique_per_user"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(user__isnull=True), name="realtime_service_token_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({', '.join(self.scopes)})"

    @property
    def scope(self) -> str:
        """The widest scope the token carries (admin > write > read), '' without any."""
        for scope in ("admin", "write", "read"):
            if scope in (self.scopes or []):
                return scope
        return ""

    @staticmethod
    def hash(value: str) -> str:
        return hashlib.sha256(value.encode()).hexdigest()

    @staticmethod
    def new_value() -> str:
        return "gw_" + secrets.token_urlsafe(32)

    @classmethod
    def issue(
        cls, name: str, scopes: list[str], *, user: Any = None, expires_at: datetime | None = None
    ) -> tuple[AccessToken, str]:
        """Create a token; returns the row and the clear value (never stored)."""
        value = cls.new_value()
        token = cls.objects.create(
            name=name,
            token_hash=cls.hash(value),
            prefix=value[:10],
            scopes=scopes,
            user=user,
            expires_at=expires_at,
        )
        return token, value


class ServerProcess(models.Model):
    """One running server process; its heartbeat keeps its connection leases alive (a crashed one stops counting)."""

    server_id = models.CharField(max_length=64, primary_key=True, help_text="Random id of the process.")
    hostname = models.CharField(max_length=255, blank=True, help_text="Host it runs on.")
    pid = models.PositiveIntegerField(default=0, help_text="Process id.")
    started_at = models.DateTimeField(auto_now_add=True, help_text="When it started.")
    heartbeat_at = models.DateTimeField(db_index=True, help_text="Last sign of life.")

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"


class ConnectionLease(models.Model):
    """One open WebSocket; counted against max_connections while its process is alive."""

    connection_id = models.CharField(max_length=64, unique=True, help_text="Random id of the connection.")
    server = models.ForeignKey(
        ServerProcess, on_delete=models.CASCADE, related_name="leases", help_text="Process holding it."
    )
    client_id = models.CharField(max_length=128, blank=True, db_index=True, help_text="Client identity, if given.")
    opened_at = models.DateTimeField(auto_now_add=True, help_text="When it connected.")

    def __str__(self) -> str:
        return self.connection_id


class WsSession(models.Model):
    """A WebSocket session: resumable by id; its conversation history lives in routing.Session (key ws:<id>)."""

    session_id = models.CharField(max_length=64, unique=True, help_text="Id the client resumes with.")
    agent_id = models.CharField(max_length=100, help_text="Agent named in hello.")
    client_id = models.CharField(max_length=128, blank=True, db_index=True, help_text="Client identity.")
    token_name = models.CharField(max_length=100, blank=True, help_text="Token that opened it.")
    cursor = models.PositiveBigIntegerField(default=0, help_text="Last frame sequence number.")
    connected = models.BooleanField(default=False, help_text="A client is attached right now.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it started.")
    last_activity_at = models.DateTimeField(db_index=True, help_text="Last frame in either direction.")
    disconnected_at = models.DateTimeField(null=True, blank=True, help_text="When its client went away.")
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it was left or expired.")

    class Meta:
        ordering = ["-last_activity_at"]
        # Not "Ws sessions" beside the conversations' "Sessions": this is the client's resume state, not a history.
        verbose_name = "WebSocket resume state"
        verbose_name_plural = "WebSocket resume states"

    def __str__(self) -> str:
        return f"{self.session_id} ({self.agent_id})"


class SessionFrame(models.Model):
    """A replayable server frame of a session (responses, errors, stream ends), kept for resume."""

    session = models.ForeignKey(WsSession, on_delete=models.CASCADE, related_name="frames", help_text="Session.")
    seq = models.PositiveBigIntegerField(help_text="Cursor of the frame within its session.")
    frame = models.JSONField(help_text="The frame as sent.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, help_text="When it was produced.")

    class Meta:
        ordering = ["session", "seq"]
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="realtime_frame_seq")]

    def __str__(self) -> str:
        return f"{self.session.session_id}#{self.seq}"


class TurnRequest(models.Model):
    """A client request_id seen in a session: a repeat is answered `duplicate` and never run twice."""

    session = models.ForeignKey(WsSession, on_delete=models.CASCADE, related_name="requests", help_text="Session.")
    request_id = models.CharField(max_length=128, help_text="Client idempotency key.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it arrived.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "request_id"], name="realtime_request_once")]

    def __str__(self) -> str:
        return self.request_id


class HandedOverTurn(models.Model):
    """A WebSocket turn still running when a graceful stop ran out of time: the accepted request, kept so the next
    start runs it once and stores its answer in the session's replay buffer (channels_app.realtime.handover)."""

    session = models.ForeignKey(WsSession, on_delete=models.CASCADE, related_name="handovers", help_text="Session.")
    agent_id = models.CharField(max_length=100, help_text="Agent the turn asked.")
    request_id = models.CharField(max_length=128, blank=True, help_text="Client idempotency key, if given.")
    client_id = models.CharField(max_length=128, blank=True, help_text="Client identity.")
    content = models.TextField(help_text="The user's message.")
    max_messages = models.PositiveIntegerField(default=1000, help_text="History cap of the session.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the stopping process handed it over.")
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a starting process took it to run.")

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.session.session_id} {self.request_id}"


class PushChannel(models.Model):
    """A pub/sub channel; `last_seq` numbers its messages so subscribers can ack and resume."""

    name = models.CharField(max_length=80, unique=True, help_text="Channel name (letters, digits, . _ -).")
    metadata = models.JSONField(default=dict, blank=True, help_text="Free metadata given at creation.")
    last_seq = models.PositiveBigIntegerField(default=0, help_text="Sequence number of the newest message.")
    created_by = models.CharField(max_length=128, blank=True, help_text="Client that created it.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was created.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PushMessage(models.Model):
    """One published message, kept for the retention window for redelivery and replay."""

    channel = models.ForeignKey(PushChannel, on_delete=models.CASCADE, related_name="messages", help_text="Channel.")
    seq = models.PositiveBigIntegerField(help_text="Per-channel sequence number, from 1.")
    event_id = models.CharField(max_length=64, unique=True, help_text="Event id clients ack.")
    data = models.JSONField(help_text="The published payload.")
    publisher = models.CharField(max_length=128, blank=True, help_text="Client identity of the publisher.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was published.")
    expires_at = models.DateTimeField(db_index=True, help_text="End of its retention window.")

    class Meta:
        ordering = ["channel", "seq"]
        constraints = [models.UniqueConstraint(fields=["channel", "seq"], name="realtime_push_seq")]

    def __str__(self) -> str:
        return f"{self.channel.name}#{self.seq}"


class PushSubscription(models.Model):
    """A client identity's subscription and delivery state (what it acked), outliving any one connection."""

    client_id = models.CharField(max_length=128, db_index=True, help_text="Client identity.")
    channel = models.ForeignKey(
        PushChannel, on_delete=models.CASCADE, related_name="subscriptions", help_text="Channel."
    )
    acked_through = models.PositiveBigIntegerField(default=0, help_text="Every seq up to this one is acked.")
    acked_extra = models.JSONField(default=list, blank=True, help_text="Acked seqs above acked_through.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it subscribed.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client_id", "channel"], name="realtime_subscription_once")]

    def __str__(self) -> str:
        return f"{self.client_id} → {self.channel.name}"


class PushClient(models.Model):
    """Who owns a push client_id: the token that first used it. Another token may not act as that identity (and so
    receive its messages) unless it has the admin scope."""

    client_id = models.CharField(max_length=128, unique=True, help_text="Client identity.")
    owner = models.CharField(max_length=120, help_text="The token that first registered it (token:<id> or gateway).")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was first registered.")

    def __str__(self) -> str:
        return f"{self.client_id} ({self.owner})"


class Presence(models.Model):
    """A client identity's presence: online while it heartbeats (or holds a socket)."""

    client_id = models.CharField(max_length=128, unique=True, help_text="Client identity.")
    status = models.CharField(max_length=32, default="online", help_text="Status the client reports.")
    metadata = models.JSONField(default=dict, blank=True, help_text="Metadata the client reports.")
    online = models.BooleanField(default=True, db_index=True, help_text="Currently online.")
    last_seen_at = models.DateTimeField(db_index=True, help_text="Last heartbeat or frame.")

    class Meta:
        ordering = ["client_id"]

    def __str__(self) -> str:
        return f"{self.client_id} ({'online' if self.online else 'offline'})"


class RemoteAgent(models.Model):
    """A connection registered as the handler of an agent name; turns for that agent are sent to it as frames."""

    agent_name = models.CharField(max_length=100, db_index=True, help_text="Agent it answers for.")
    connection_id = models.CharField(max_length=64, unique=True, help_text="Connection holding the registration.")
    channel_name = models.CharField(max_length=255, help_text="Channel-layer address of that connection.")
    server = models.ForeignKey(
        ServerProcess, on_delete=models.CASCADE, related_name="remote_agents", help_text="Process holding it."
    )
    registered_at = models.DateTimeField(auto_now_add=True, help_text="When it registered.")

    class Meta:
        ordering = ["-registered_at"]

    def __str__(self) -> str:
        return f"{self.agent_name} @ {self.connection_id}"
