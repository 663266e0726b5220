"""`/background <task>`: the task runs as its own inbound event in its own conversation and session.

Why an event: it is then stored before it is confirmed, runs on the same workers (embedded or Celery), resumes
after a crash, and its notification is delivered exactly once through the same path as any reply. Its conversation
key is the parent's plus `~bg-<event id>`, so it neither waits behind nor writes into the user's conversation.
What it sends back follows gateway.background_notification_level: all (tool activity too) and result send the
result, error only failures, off nothing.
"""

from __future__ import annotations

import time

from django.db import transaction

from channels_app.models import ChannelInstance, GatewaySettings, InboundEvent
from channels_app.webhooks.intake import hand_over

UNFINISHED = (InboundEvent.Status.RECEIVED, InboundEvent.Status.PROCESSING)


def task_id(event: InboundEvent) -> str:
    return f"bg_{event.pk}"


def is_background(event: InboundEvent) -> bool:
    return bool((event.payload or {}).get("background"))


def running_in(conversation_key: str) -> int:
    """Background tasks of one conversation that have not finished."""
    return InboundEvent.objects.filter(
        conversation_key__startswith=f"{conversation_key}~bg-", status__in=UNFINISHED
    ).count()


def start(event: InboundEvent, instance: ChannelInstance, prompt: str, settings: GatewaySettings) -> str:
    """Store the task as a new event (handed to the workers after commit) and return the confirmation line."""
    limit = settings.max_background_tasks
    if running_in(event.conversation_key) >= limit:
        return f"Too many background tasks running here ({limit} at most). Try again when one finishes."
    payload = dict(event.payload or {})
    message = dict(payload.get("message") or {})
    message.update(text=prompt, dedupe_key=f"background:{event.pk}", message_key="")
    payload.update(
        message=message, background={"parent_event": event.pk, "level": settings.background_notification_level}
    )
    with transaction.atomic():
        child = InboundEvent.objects.create(
            instance=instance,
            dedupe_key=f"background:{event.pk}",
            event_type="background",
            payload=payload,
            conversation_key=f"{event.conversation_key[:200]}~bg-{event.pk}",
            chat_id=event.chat_id,
            thread_id=event.thread_id,
            context=event.context,
            sender_id=event.sender_id,
        )
        transaction.on_commit(lambda: hand_over([child.pk]), robust=True)
    preview = prompt if len(prompt) <= 80 else prompt[:80] + "…"
    return f'Background task {task_id(child)} started: "{preview}"'


def wait_for_parent(event: InboundEvent, timeout: float = 10.0) -> None:
    """Let the command's own confirmation go out first: the task starts once its parent event has finished (it is
    handed over when the parent's reply is stored, and another worker may pick it up at once)."""
    parent = ((event.payload or {}).get("background") or {}).get("parent_event")
    deadline = time.monotonic() + timeout
    while parent and time.monotonic() < deadline:
        status = InboundEvent.objects.filter(pk=parent).values_list("status", flat=True).first()
        if status not in UNFINISHED:
            return
        time.sleep(0.05)


def level(event: InboundEvent) -> str:
    return str(((event.payload or {}).get("background") or {}).get("level") or "result")


def result_note(event: InboundEvent, text: str) -> str | None:
    """What to send when the task answered (None: nothing, level error or off)."""
    if level(event) in ("all", "result"):
        return f"Background task {task_id(event)} complete:\n{text}"
    return None


def failure_note(event: InboundEvent, error: str) -> str | None:
    """What to send when the task failed (None: nothing, level off)."""
    if level(event) == "off":
        return None
    return f"Background task {task_id(event)} failed: {error}"


def activity_note(event: InboundEvent, tool: str) -> str | None:
    """Tool activity of a task, sent only at level all."""
    return f"[{task_id(event)}] Using {tool}…" if level(event) == "all" else None
