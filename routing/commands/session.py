"""Session commands: `/new`, `/reset`, `/clear` (gateway.session_reset_commands) and `/background <task>`.

The pipeline asks `handle` before running the agent. A command's confirmation is the event's reply, stored and
delivered like an answer, so it goes out exactly once on every channel; the agent never sees the command.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from channels_app.models import ChannelInstance, GatewaySettings, InboundEvent
from routing import lookups
from routing.commands import background
from routing.models import Session

RESET_REPLY = "Session reset. Starting fresh conversation."


@dataclass(frozen=True)
class Command:
    """A recognised command: `reset`, or `background` with the task text."""

    kind: str
    argument: str = ""


def parse(text: str, settings: GatewaySettings) -> Command | None:
    """The command a message is, or None for an ordinary message (matched on the whole trimmed text)."""
    stripped = (text or "").strip()
    if not stripped.startswith("/"):
        return None
    word, _, rest = stripped.partition(" ")
    if stripped in (settings.session_reset_commands or []):
        return Command("reset")
    prefix = (settings.background_command or "").strip()
    if prefix and word == prefix:
        return Command("background", rest.strip())
    return None


def close_session(session: Session) -> None:
    """End a conversation's session now; the next message starts a new one (the transcript stays in the admin)."""
    suffix = f"~closed-{session.pk}"
    Session.objects.filter(pk=session.pk).update(
        key=session.key[: 255 - len(suffix)] + suffix, closed_at=timezone.now()
    )


def reset_by_key(key: str, text: str) -> str | None:
    """For doors without channel events (WebSocket): a reset command closes session `key`; None for anything else."""
    command = parse(text, lookups.gateway_settings())
    if command is None or command.kind != "reset":
        return None
    existing = Session.objects.filter(key=key).first()
    if existing is not None:
        close_session(existing)
    return RESET_REPLY


def handle(event: InboundEvent, instance: ChannelInstance, text: str, session: Session) -> str | None:
    """The one-line confirmation when `text` is a session command (after acting on it), else None."""
    if background.is_background(event) or not (text or "").lstrip().startswith("/"):
        return None  # a detached task's own text is never a command; ordinary messages cost no lookup
    settings = lookups.gateway_settings()
    command = parse(text, settings)
    if command is None:
        return None
    if command.kind == "reset":
        close_session(session)
        return RESET_REPLY
    if not command.argument:
        return f"Usage: {settings.background_command} <task>"
    return background.start(event, instance, command.argument, settings)
