"""Human takeover: an operator pauses the agent in one conversation, answers as a human, and hands back.

The state lives in the session's metadata (`takeover: {by, since, until}`), so every process sees it in the row the
pipeline already reads. While it holds, the pipeline stores each new message in the session's history and does not
run the agent (`hold_for_human`); the operator's answer is split, stored and sent like an agent reply through the
one delivery path (threaded under the conversation's latest message) and recorded in the history with the
operator's name. A takeover ends when the operator hands back or when `until` passes (GATEWAY_TAKEOVER_TIMEOUT,
default 30 minutes), whichever comes first; start, message, reply and end are published as `takeover.*` events on
the WebSocket plane.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels_app.events import publish
from channels_app.models import InboundEvent, OutboundMessage
from routing.models import Session, SessionMessage

DEFAULT_TIMEOUT = 30 * 60


class TakeoverEvent(StrEnum):
    """The takeover events on the WebSocket plane (same envelope and group as the pipeline's events)."""

    STARTED = "takeover.started"
    MESSAGE = "takeover.message"
    REPLY = "takeover.reply"
    ENDED = "takeover.ended"


class TakeoverError(Exception):
    """The takeover action cannot be done; the text says why (shown to the operator, 400 over the API)."""


def timeout_seconds() -> int:
    return int(getattr(settings, "GATEWAY_TAKEOVER_TIMEOUT", DEFAULT_TIMEOUT))


def _parse(moment: str | None) -> datetime | None:
    return datetime.fromisoformat(moment) if moment else None


def state(session: Session) -> dict[str, Any] | None:
    """The active takeover of `session` ({by, since, until}) or None; an expired one is ended here (handed back)."""
    current = (session.metadata or {}).get("takeover")
    if not current:
        return None
    until = _parse(current.get("until"))
    if until is not None and until <= timezone.now():
        _end(session, reason="timeout")
        return None
    return current


def start(session: Session, operator: str, seconds: int | None = None) -> dict[str, Any]:
    """Pause the agent in `session` for `operator` (again: extends it)."""
    if session.instance_id is None:
        raise TakeoverError("only channel conversations can be taken over")
    now = timezone.now()
    current = {
        "by": operator,
        "since": now.isoformat(),
        "until": (now + timedelta(seconds=seconds or timeout_seconds())).isoformat(),
    }
    with transaction.atomic():
        row = Session.objects.select_for_update().get(pk=session.pk)
        row.metadata = {**(row.metadata or {}), "takeover": current}
        row.save(update_fields=["metadata"])
    session.metadata = row.metadata
    publish(TakeoverEvent.STARTED, session=session.key, session_id=session.pk, by=operator, until=current["until"])
    return current


def hand_back(session: Session, operator: str) -> None:
    """The agent answers again from the next message on."""
    if not (session.metadata or {}).get("takeover"):
        raise TakeoverError("this conversation is not taken over")
    _end(session, reason=f"handed back by {operator}")


def _end(session: Session, reason: str) -> None:
    with transaction.atomic():
        row = Session.objects.select_for_update().get(pk=session.pk)
        metadata = dict(row.metadata or {})
        ended = metadata.pop("takeover", None)
        row.metadata = metadata
        row.save(update_fields=["metadata"])
    session.metadata = row.metadata
    if ended:
        publish(TakeoverEvent.ENDED, session=session.key, session_id=session.pk, reason=reason)


def hold_for_human(session: Session, event: InboundEvent, text: str, sender: str) -> str:
    """Pipeline hook: when `session` is taken over, keep the message for the human and return why the agent is
    not answering ("" when it should answer)."""
    current = state(session)
    if current is None:
        return ""
    from routing.pipeline import sessions

    sessions.append_turns(session, [("user", text, {"inbound_event": event.pk, "sender": sender})])
    publish(
        TakeoverEvent.MESSAGE,
        session=session.key,
        session_id=session.pk,
        event_id=event.pk,
        sender=sender,
        text=text,
    )
    return f"held for a human: {current['by']} has taken over this conversation"


def reply(session: Session, operator: str, text: str) -> list[OutboundMessage]:
    """Send `text` as the operator into the conversation, formatted and threaded like an agent reply."""
    from channels_app.adapters import Target, get_adapter
    from routing.pipeline import sessions
    from routing.pipeline.delivery import send_rows
    from routing.pipeline.worker import _message

    text = text.strip()
    if not text:
        raise TakeoverError("the reply is empty")
    if state(session) is None:
        raise TakeoverError("take the conversation over before answering in it")
    instance = session.instance
    adapter = get_adapter(instance) if instance else None
    if adapter is None:
        raise TakeoverError("this conversation has no channel to answer on")
    event = (
        InboundEvent.objects.filter(instance=instance, conversation_key=session.key).order_by("-id").first()
        or InboundEvent.objects.filter(instance=instance, chat_id=session.chat_id, thread_id=session.thread_id)
        .order_by("-id")
        .first()
    )
    if event is not None:
        message = _message(event)
        base = adapter.target_for(message)
        context = message.context
    else:
        base, context = Target(chat_id=session.chat_id, thread_id=session.thread_id), ""
    key = f"human:{session.pk}:{uuid.uuid4().hex[:12]}"
    with transaction.atomic():
        sessions.append_turns(
            session, [("assistant", text, {"operator": operator, "inbound_event": event.pk if event else None})]
        )
        rows = [
            OutboundMessage.objects.create(
                instance=instance,
                inbound=event,
                idempotency_key=f"{key}:{seq}",
                chat_id=base.chat_id,
                thread_id=base.thread_id,
                text=chunk,
                seq=seq,
            )
            for seq, chunk in enumerate(adapter.split(text))
        ]

    def target_for(row: OutboundMessage) -> Target:
        return Target(
            chat_id=row.chat_id,
            thread_id=row.thread_id,
            reply_to=base.reply_to if row.seq == 0 else "",
            extra={**base.extra, "delivery_id": row.idempotency_key, "context": context},
        )

    send_rows(instance, adapter, rows, target_for, events={"session": session.key, "by": operator})
    publish(TakeoverEvent.REPLY, session=session.key, session_id=session.pk, by=operator, chunks=len(rows))
    return rows


def messages_after(session: Session, seq: int) -> list[dict[str, Any]]:
    """The session's messages after `seq`, for the live view."""
    return [
        {
            "seq": m.seq,
            "role": m.role,
            "content": m.content,
            "at": m.created_at.isoformat(),
            "by": (m.metadata or {}).get("operator", ""),
            "event": (m.metadata or {}).get("inbound_event"),
        }
        for m in SessionMessage.objects.filter(session=session, seq__gt=seq).order_by("seq")
    ]
