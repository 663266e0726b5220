"""The one pipeline every stored inbound message walks: session → route → agent → format → split → deliver →
record, with a typed event published after each step.

Exactly one reply per inbound message rests on three things: the intake's unique keys (one event per
delivery and per message), one worker per conversation at a time (`sessions.conversation_lock`), and steps
that each commit their result before the next starts (the agent's answer and its chunks are stored before
anything is sent; a chunk is marked sent as soon as the platform accepts it). A resumed event therefore
skips what is done and never reruns the agent. The one unavoidable window is a crash after the platform
accepted a chunk and before we recorded it: that chunk is sent again (at-least-once; only Discord offers a
send idempotency key, PLATFORMS.md §2.5).
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agents_app.runtime import AgentError
from channels_app.adapters import Adapter, DeliveryError, InboundMessage, NotConfigured, Target, get_adapter
from channels_app.events import EventType, publish
from channels_app.models import ChannelInstance, InboundEvent, OutboundMessage
from channels_app.webhooks.ingress import yield_to_acks
from routing.pipeline import agent_loop, dispatch, sessions
from routing.pipeline.websocket import run_agent_or_remote
from routing.resolver import resolve_agent

logger = logging.getLogger(__name__)

UNFINISHED = (InboundEvent.Status.RECEIVED, InboundEvent.Status.PROCESSING)


def handle_inbound(event_ids: list[int]) -> None:
    """settings.GATEWAY_INBOUND_HANDLER: called by channels_app after new events are committed."""
    dispatch.submit(list(event_ids))


def resume_unfinished(older_than: float = 0.0) -> int:
    """Queue every accepted-but-unfinished event (start-up after a crash, sweeper); returns how many."""
    cutoff = timezone.now() - timedelta(seconds=older_than)
    ids = list(
        InboundEvent.objects.filter(status__in=UNFINISHED, received_at__lte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if ids:
        logger.info("resuming %d unfinished inbound events", len(ids))
        dispatch.submit(ids, background=False)
    return len(ids)


def process_event(event_id: int) -> None:
    """Run the conversation of `event_id` until it has no unfinished events, or return at once when another
    worker holds it (that worker drains this event too, in order)."""
    key = InboundEvent.objects.filter(pk=event_id).values_list("conversation_key", flat=True).first()
    if key is None:
        return
    while True:
        with sessions.conversation_lock(key) as mine:
            if not mine:
                return
            seen: set[int] = set()
            while True:
                event = (
                    InboundEvent.objects.filter(conversation_key=key, status__in=UNFINISHED)
                    .select_related("instance")
                    .order_by("id")
                    .first()
                )
                if event is None:
                    break
                if event.pk in seen:
                    _finish(event, InboundEvent.Status.FAILED, "processing did not finish the event")
                    continue
                seen.add(event.pk)
                yield_to_acks()  # acknowledgements first: this event is stored, its reply can wait a moment
                _process(event)
        # Re-check after releasing: an event stored while we held the lock must not be stranded.
        if not InboundEvent.objects.filter(conversation_key=key, status__in=UNFINISHED).exists():
            return


def _max_event_attempts() -> int:
    return int(dispatch.setting("GATEWAY_EVENT_MAX_ATTEMPTS", 5))


def _finish(event: InboundEvent, status: str, error: str = "") -> None:
    InboundEvent.objects.filter(pk=event.pk).update(status=status, error=error[:4000], finished_at=timezone.now())
    kind = EventType.INBOUND_DONE if status == InboundEvent.Status.DONE else EventType.INBOUND_FAILED
    publish(kind, instance=event.instance.name, event_id=event.pk, error=error)


def _message(event: InboundEvent) -> InboundMessage:
    data = dict((event.payload or {}).get("message") or {})
    allowed = set(InboundMessage.__dataclass_fields__)
    return InboundMessage(**{k: v for k, v in data.items() if k in allowed})


def _process(event: InboundEvent) -> None:
    """One event, from wherever it stopped last time to done or failed."""
    if event.attempts >= _max_event_attempts():
        _finish(event, InboundEvent.Status.FAILED, f"gave up after {event.attempts} attempts")
        return
    InboundEvent.objects.filter(pk=event.pk).update(
        status=InboundEvent.Status.PROCESSING, attempts=F("attempts") + 1, started_at=timezone.now()
    )
    instance = event.instance
    adapter = get_adapter(instance)
    if adapter is None:
        _finish(event, InboundEvent.Status.FAILED, f"no adapter for platform '{instance.platform}'")
        return
    message = _message(event)
    try:
        rows: list[OutboundMessage] | None = None
        if not event.reply:
            rows = _answer(event, instance, adapter, message)
            if rows is None:
                return
        yield_to_acks()
        ok = _deliver(event, instance, adapter, message, rows)
    except Exception as exc:  # a bug or an outage: record it, leave nothing half-claimed
        logger.exception("inbound event %s failed", event.pk)
        _finish(event, InboundEvent.Status.FAILED, f"{type(exc).__name__}: {exc}")
        return
    _finish(event, InboundEvent.Status.DONE if ok else InboundEvent.Status.FAILED, "" if ok else "delivery failed")


def _answer(
    event: InboundEvent, instance: ChannelInstance, adapter: Adapter, message: InboundMessage
) -> list[OutboundMessage] | None:
    """Route, run the agent, and store its answer with the chunks to send (returned, so delivery need not read
    them back); None when the event failed."""
    route = resolve_agent(instance, event.context or message.context)
    session = sessions.session_for(instance, event.conversation_key, event.chat_id, event.thread_id)
    publish(
        EventType.SESSION_RESOLVED,
        instance=instance.name,
        event_id=event.pk,
        session=session.key,
        agent=route.agent.name,
        route=route.source,
    )
    adapter.typing(adapter.target_for(message))
    publish(EventType.AGENT_STARTED, instance=instance.name, event_id=event.pk, agent=route.agent.name)
    context: dict[str, Any] = {
        "source": "channel",
        "instance": instance.name,
        "platform": instance.platform,
        "session": session.key,
        "inbound_event": event.pk,
        "sender": message.sender_id,
        "route": route.source,  # which rule matched, recorded with the run for the trace page
    }
    yield_to_acks()
    try:
        reply = agent_loop.run(run_agent_or_remote, route.agent, sessions.history(session), message.text, context)
    except AgentError as exc:
        publish(EventType.AGENT_FAILED, instance=instance.name, event_id=event.pk, error=str(exc))
        _finish(event, InboundEvent.Status.FAILED, f"agent: {exc}")
        return None
    text = (reply.text or "").strip()
    if not text:
        _finish(event, InboundEvent.Status.FAILED, f"agent '{route.agent.name}' returned an empty answer")
        return None
    chunks = adapter.split(text)
    target = adapter.target_for(message)
    with transaction.atomic():
        sessions.append_turns(
            session,
            [
                ("user", message.text, {"inbound_event": event.pk, "sender": message.sender_id}),
                ("assistant", text, {"inbound_event": event.pk, "agent": route.agent.name, "model": reply.model}),
            ],
            agent=route.agent,
        )
        InboundEvent.objects.filter(pk=event.pk).update(reply=text)
        rows = OutboundMessage.objects.bulk_create(
            OutboundMessage(
                instance=instance,
                inbound=event,
                idempotency_key=f"reply:{event.pk}:{seq}",
                chat_id=target.chat_id,
                thread_id=target.thread_id,
                text=chunk,
                seq=seq,
            )
            for seq, chunk in enumerate(chunks)
        )
    event.reply = text
    publish(
        EventType.AGENT_FINISHED,
        instance=instance.name,
        event_id=event.pk,
        agent=route.agent.name,
        model=reply.model,
        chunks=len(chunks),
    )
    if any(row.pk is None for row in rows):  # a backend that cannot return primary keys from a bulk insert
        return list(OutboundMessage.objects.filter(inbound=event).order_by("seq"))
    return rows


def _backoff(attempt: int, retry_after: float | None) -> float:
    cap = dispatch.setting("GATEWAY_RETRY_AFTER_CAP", 60.0)
    if retry_after is not None:
        return min(retry_after, cap)  # honour 429 Retry-After / retry_after (bounded)
    base = dispatch.setting("GATEWAY_RETRY_BASE", 1.0)
    return min(cap, base * (2 ** (attempt - 1))) * random.uniform(0.5, 1.0)


def _record_permanent(instance: ChannelInstance, error: str) -> None:
    ChannelInstance.objects.filter(pk=instance.pk).update(last_error=error[:2000], last_error_at=timezone.now())


def _deliver(
    event: InboundEvent,
    instance: ChannelInstance,
    adapter: Adapter,
    message: InboundMessage,
    rows: list[OutboundMessage] | None = None,
) -> bool:
    """Send the event's pending chunks in order (`rows` when just stored, else read back: a resumed event);
    True when all of them went out."""
    if rows is None:
        rows = list(OutboundMessage.objects.filter(inbound=event).order_by("seq"))
    max_attempts = int(dispatch.setting("GATEWAY_DELIVERY_MAX_ATTEMPTS", 5))
    base = adapter.target_for(message)
    for row in rows:
        if row.status == OutboundMessage.Status.SENT:
            continue
        if row.status == OutboundMessage.Status.FAILED:
            return False
        target = Target(
            chat_id=row.chat_id,
            thread_id=row.thread_id,
            reply_to=base.reply_to if row.seq == 0 else "",  # only the first chunk quotes the question
            extra={**base.extra, "delivery_id": row.idempotency_key, "context": message.context},
        )
        attempts = row.attempts
        while True:
            attempts += 1
            # Recorded before the send: an attempt that crashes is still counted.
            OutboundMessage.objects.filter(pk=row.pk).update(attempts=attempts)
            try:
                sent = adapter.send(row.text, target)
            except (DeliveryError, NotConfigured) as exc:
                permanent = getattr(exc, "permanent", True)
                error = str(exc)
                if permanent or attempts >= max_attempts:
                    OutboundMessage.objects.filter(pk=row.pk).update(status=OutboundMessage.Status.FAILED, error=error)
                    _record_permanent(instance, error)
                    publish(EventType.OUTBOUND_FAILED, instance=instance.name, event_id=event.pk, error=error)
                    OutboundMessage.objects.filter(inbound=event, seq__gt=row.seq).update(
                        status=OutboundMessage.Status.FAILED, error="an earlier chunk failed"
                    )
                    return False
                delay = _backoff(attempts, getattr(exc, "retry_after", None))
                OutboundMessage.objects.filter(pk=row.pk).update(error=error)
                publish(EventType.OUTBOUND_RETRY, instance=instance.name, event_id=event.pk, error=error, delay=delay)
                time.sleep(delay)
                continue
            OutboundMessage.objects.filter(pk=row.pk).update(
                status=OutboundMessage.Status.SENT,
                platform_message_id=sent.platform_message_id[:255],
                sent_at=timezone.now(),
                error="",
            )
            publish(
                EventType.OUTBOUND_SENT,
                instance=instance.name,
                event_id=event.pk,
                seq=row.seq,
                platform_message_id=sent.platform_message_id,
            )
            break
    return True
