"""The glue between channels and agents: routing rules, schedules, and conversation sessions."""

from __future__ import annotations

from django.db import models
from django_celery_beat.models import PeriodicTask

from agents_app.models import Agent
from channels_app.models import ChannelInstance


class RoutingRule(models.Model):
    """Which agent answers on an instance in one conversation context (dm, group, channel, or default)."""

    class Context(models.TextChoices):
        DM = "dm", "direct message"
        GROUP = "group", "group"
        CHANNEL = "channel", "channel"
        DEFAULT = "default", "default (fallback)"

    instance = models.ForeignKey(
        ChannelInstance,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text="Instance the rule belongs to.",
    )
    context = models.CharField(max_length=16, choices=Context.choices, help_text="Conversation context it matches.")
    agent = models.ForeignKey(
        Agent, on_delete=models.PROTECT, related_name="routing_rules", help_text="Agent that answers in this context."
    )

    class Meta:
        ordering = ["instance__name", "context"]
        constraints = [models.UniqueConstraint(fields=["instance", "context"], name="one_rule_per_context")]

    def __str__(self) -> str:
        return f"{self.instance.name}.{self.context} → {self.agent.name}"


class Schedule(models.Model):
    """A message sent through an agent to a channel at cron times, at an interval, or once."""

    class MissedRunPolicy(models.TextChoices):
        SKIP = "skip", "skip missed runs"
        RUN_ONCE = "run_once", "run once on start"

    name = models.SlugField(max_length=100, unique=True, help_text="Schedule id.")
    schedule = models.CharField(
        max_length=200,
        help_text="When: 'cron:<5 fields>' (e.g. cron:0 9 * * *), 'every:<duration>' (every:30s, every:5m, every:2h) "
        "or 'at:<ISO time>' (one shot).",
    )
    message = models.TextField(help_text="Prompt sent to the agent at each run.")
    agent = models.ForeignKey(
        Agent, on_delete=models.PROTECT, related_name="schedules", help_text="Agent that writes the message."
    )
    instance = models.ForeignKey(
        ChannelInstance,
        on_delete=models.PROTECT,
        related_name="schedules",
        verbose_name="channel",
        help_text="Channel instance that delivers it ('channel' in gateway.yaml).",
    )
    channel_id = models.CharField(max_length=255, help_text="Platform chat/channel id to deliver to.")
    thread_id = models.CharField(max_length=255, blank=True, help_text="Thread to deliver into, if any.")
    timezone = models.CharField(max_length=64, default="UTC", help_text="IANA time zone for cron and at: times.")
    missed_run_policy = models.CharField(
        max_length=16,
        choices=MissedRunPolicy.choices,
        default=MissedRunPolicy.SKIP,
        help_text="After downtime: skip runs that were missed, or run once on start.",
    )
    enabled = models.BooleanField(default=True, help_text="Disabled schedules do not fire.")
    periodic_task = models.OneToOneField(
        PeriodicTask,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="gateway_schedule",
        help_text="The django-celery-beat task mirroring this schedule (kept in sync on save/delete).",
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the schedule was created.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When the schedule was last changed.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.schedule})"

    def clean(self) -> None:
        """Refuse an expression or time zone that beat could not use, naming the problem."""
        from django.core.exceptions import ValidationError

        from routing.schedules.expressions import ScheduleExpressionError, parse_expression, zone

        errors = {}
        try:
            zone(self.timezone)
        except ScheduleExpressionError as exc:
            errors["timezone"] = str(exc)
        else:
            try:
                parse_expression(self.schedule, self.timezone)
            except ScheduleExpressionError as exc:
                errors["schedule"] = str(exc)
        if self.agent_id and not self.agent.enabled:
            errors["agent"] = f"agent '{self.agent.name}' is disabled"
        if errors:
            raise ValidationError(errors)


class ScheduleRun(models.Model):
    """One firing of a schedule for one due time; the unique key means a due time never fires twice."""

    class Status(models.TextChoices):
        RUNNING = "running", "running"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    schedule = models.ForeignKey(
        Schedule, on_delete=models.CASCADE, related_name="runs", help_text="Schedule that fired."
    )
    due_at = models.DateTimeField(help_text="The due time this run is for.")
    started_at = models.DateTimeField(auto_now_add=True, help_text="When the run started.")
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When the run finished.")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.RUNNING, help_text="Outcome of the run."
    )
    reply = models.TextField(blank=True, help_text="What the agent wrote.")
    error = models.TextField(blank=True, help_text="Why the run failed.")

    class Meta:
        ordering = ["-due_at"]
        constraints = [models.UniqueConstraint(fields=["schedule", "due_at"], name="one_run_per_due_time")]

    def __str__(self) -> str:
        return f"{self.schedule.name} @ {self.due_at.isoformat()} ({self.status})"


class Session(models.Model):
    """A conversation: its own history, so one user's words never reach another user's prompt."""

    class Kind(models.TextChoices):
        CHANNEL = "channel", "channel"
        WEBSOCKET = "websocket", "websocket"
        SCHEDULE = "schedule", "schedule"
        API = "api", "api"
        CLI = "cli", "cli"

    key = models.CharField(max_length=255, unique=True, help_text="Stable key, e.g. instance:chat:thread.")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CHANNEL, help_text="Where it lives.")
    instance = models.ForeignKey(
        ChannelInstance,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sessions",
        help_text="Channel instance of the conversation, if any.",
    )
    chat_id = models.CharField(max_length=255, blank=True, help_text="Platform conversation id.")
    thread_id = models.CharField(max_length=255, blank=True, help_text="Platform thread id.")
    agent = models.ForeignKey(
        Agent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
        help_text="Agent answering in it.",
    )
    metadata = models.JSONField(default=dict, blank=True, help_text="Extra state (client identity, cursor…).")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the session started.")
    last_activity_at = models.DateTimeField(auto_now=True, db_index=True, help_text="Last message in either direction.")
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it expired or was closed.")

    class Meta:
        ordering = ["-last_activity_at"]

    def __str__(self) -> str:
        return self.key


class SessionMessage(models.Model):
    """One turn of a session's history."""

    class Role(models.TextChoices):
        USER = "user", "user"
        ASSISTANT = "assistant", "assistant"
        SYSTEM = "system", "system"

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="messages", help_text="Session it belongs to."
    )
    seq = models.PositiveIntegerField(help_text="Position in the session, from 1.")
    role = models.CharField(max_length=16, choices=Role.choices, help_text="Who said it.")
    content = models.TextField(help_text="What was said.")
    metadata = models.JSONField(default=dict, blank=True, help_text="Origin (inbound event id, request id…).")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was said.")

    class Meta:
        ordering = ["session", "seq"]
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="session_message_seq")]

    def __str__(self) -> str:
        return f"{self.session.key}#{self.seq} {self.role}"


class SchedulerHeartbeat(models.Model):
    """A process that fires schedules proves it is alive here, so any process can tell whether schedules will fire.

    A bare `daphne` fires nothing; without this row nobody would notice until a schedule silently stayed quiet.
    """

    holder = models.CharField(max_length=200, unique=True, help_text="Process (host:pid) running a scheduler.")
    kind = models.CharField(max_length=32, help_text="embedded (rungateway) or beat (celery beat).")
    seen_at = models.DateTimeField(db_index=True, help_text="Last tick of that scheduler.")

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.kind} scheduler {self.holder}"


from routing.hooks.models import Hook, HookRun  # noqa: E402, F401 - hooks live in their own module
