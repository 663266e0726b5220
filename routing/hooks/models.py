"""Hook definitions and their runs (the runs double as the idempotency record)."""

from __future__ import annotations

from django.db import models

from agents_app.models import Agent


class Hook(models.Model):
    """One `POST /hooks/<path>` trigger: which agent answers, how the caller authenticates, where the answer goes."""

    path = models.CharField(max_length=200, unique=True, help_text="URL segment: POST /hooks/<path>.")
    agent = models.ForeignKey(
        Agent, on_delete=models.PROTECT, related_name="hooks", help_text="Agent that answers the payload."
    )
    auth = models.CharField(
        max_length=500,
        blank=True,
        help_text="Bearer token callers send (best a ${VAR}); empty: the gateway auth_token or a write API token.",
    )
    deliver_to = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where the answer goes: <channel>:<chat id>[:<thread>] (channel = instance or platform name).",
    )
    message = models.TextField(
        blank=True, help_text="Prompt template: {field} or {{ payload.a.b }} from the JSON body (empty: the body)."
    )
    session_key = models.CharField(
        max_length=300, blank=True, help_text="Session template; the same key continues one conversation."
    )
    idempotency_key = models.CharField(
        max_length=300, blank=True, help_text="Template of the dedupe key (empty: a hash of the whole payload)."
    )
    deliver_only = models.BooleanField(
        default=False, help_text="Deliver the rendered message as is, without running the agent."
    )
    secret = models.CharField(max_length=500, blank=True, help_text="HMAC-SHA256 secret of the provider's signature.")
    signature_header = models.CharField(
        max_length=100, blank=True, help_text="Header carrying the hex HMAC-SHA256 of the raw body."
    )
    signature_prefix = models.CharField(
        max_length=50, blank=True, help_text="Prefix before the hex digest in the header, e.g. sha256=."
    )
    enabled = models.BooleanField(default=True, help_text="A disabled hook answers 404.")

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return f"POST /hooks/{self.path}"


class HookRun(models.Model):
    """One accepted delivery of a hook; (hook, key) is unique so a retried delivery runs once."""

    class Status(models.TextChoices):
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    hook = models.ForeignKey(Hook, on_delete=models.CASCADE, related_name="runs", help_text="The hook.")
    key = models.CharField(max_length=64, help_text="SHA-256 of the idempotency key.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING, help_text="Outcome.")
    reply = models.TextField(blank=True, help_text="The agent's answer (or the delivered message).")
    delivered_to = models.CharField(max_length=300, blank=True, help_text="Instance:chat it was sent to.")
    error = models.TextField(blank=True, help_text="Why it failed (a failed run may be retried).")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was accepted.")
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When it ended.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["hook", "key"], name="hook_run_unique_key")]

    def __str__(self) -> str:
        return f"{self.hook.path} {self.status} {self.created_at:%Y-%m-%d %H:%M:%S}"
