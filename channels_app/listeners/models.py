"""Per-listener health and cursor, and the single-holder lease that keeps two processes off the same credentials."""

from __future__ import annotations

from django.db import models

from channels_app.models import ChannelInstance


class ListenerState(models.Model):
    """What one instance's listener is doing, as the admin and /health show it, plus where it left off."""

    class Status(models.TextChoices):
        STARTING = "starting", "starting"
        RUNNING = "running", "running"
        BACKOFF = "backoff", "reconnecting after an error"
        STANDBY = "standby", "standby (another process holds the lease)"
        FAILED = "failed", "failed (needs an operator)"
        STOPPED = "stopped", "stopped"

    instance = models.OneToOneField(
        ChannelInstance,
        on_delete=models.CASCADE,
        related_name="listener_state",
        help_text="Channel instance this listener serves.",
    )
    kind = models.CharField(max_length=32, help_text="Listener kind (discord, email, slack_socket, telegram_poll).")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.STOPPED, help_text="Current state of the listener."
    )
    holder = models.CharField(max_length=200, blank=True, help_text="Process (host:pid:id) running it, if any.")
    connected_at = models.DateTimeField(null=True, blank=True, help_text="When the current connection came up.")
    last_seen_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life from the listener.")
    last_event_at = models.DateTimeField(null=True, blank=True, help_text="When the last inbound message arrived.")
    events_received = models.PositiveIntegerField(default=0, help_text="Inbound messages handed to the pipeline.")
    restarts = models.PositiveIntegerField(default=0, help_text="Reconnects after errors since the process started.")
    last_error = models.TextField(blank=True, help_text="Last error the listener hit (never contains secrets).")
    last_error_at = models.DateTimeField(null=True, blank=True, help_text="When last_error happened.")
    cursor = models.JSONField(
        default=dict, blank=True, help_text="Where the listener resumes (Telegram offset, IMAP UIDVALIDITY and UID)."
    )
    updated_at = models.DateTimeField(auto_now=True, help_text="When this row last changed.")

    class Meta:
        ordering = ["instance__name"]

    def __str__(self) -> str:
        return f"{self.instance.name} listener ({self.status})"


class ListenerLease(models.Model):
    """A time-limited claim on one set of credentials; only the holder may run a listener with them.

    Keyed by credentials (not by instance) because Telegram answers two pollers on one token with 409 and
    Discord burns its identify budget on duplicate sessions, whichever instance they are configured under.
    """

    key = models.CharField(max_length=200, unique=True, help_text="Listener kind plus a hash of its credentials.")
    holder = models.CharField(max_length=200, blank=True, help_text="Process holding the lease; empty when free.")
    instance_name = models.CharField(max_length=100, blank=True, help_text="Instance the holder runs it for.")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="The lease is free after this time.")

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} → {self.holder or 'free'}"
