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
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents_app.runtime import AgentError
from channels_app import reactions
from channels_app.adapters import Adapter, InboundMessage, Target, get_adapter
from channels_app.events import EventType, publish
from channels_app.models import ChannelInstance, InboundEvent, OutboundMessage
from channels_app.webhooks.ingress import yield_to_acks
from console_app.takeover import hold_for_human
from gatewaysite import fastsql
from routing.commands import turn_hooks
from routing.pipeline import agent_loop, delivery, dispatch, ledger, sessions, slots, turns
from routing.resolver import resolve_agent

logger = logging.getLogger(__name__)


def handle_inbound(event_ids: list[int]) -> None:
    """settings.GATEWAY_INBOUND_HANDLER: called by channels_app after new events are committed."""
    dispatch.submit(list(event_ids))


def resume_unfinished(older_than: float = 0.0) -> int:
    """Queue every accepted-but-unfinished event (start-up after a crash, sweeper); returns how many."""
    cutoff = timezone.now() - timedelta(seconds=older_than)
    ids = list(
        InboundEvent.objects.filter(status__in=ledger.UNFINISHED, received_at__lte=cutoff)
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
    with slots.active():
        _drain(event_id)


def _drain(event_id: int) -> None:
    key, held = ledger.conversation_key_and_lock(event_id)
    if key is None:
        return
    while True:
        with sessions.conversation_lock(key, held=held) as mine:
            held = False  # a second pass takes the lock again
            if not mine:
                return
            seen: set[int] = set()
            while True:
                event = ledger.claim_next(key)
                if event is None:
                    break
                if event.pk in seen:  # claimed again by the line above: that claim is not an attempt
                    error = "processing did not finish the event"
                    _finish(event, InboundEvent.Status.FAILED, error, attempts=event.attempts - 1)
                    continue
                seen.add(event.pk)
                yield_to_acks()  # acknowledgements first: this event is stored, its reply can wait a moment
                _process(event)
        # Re-check after releasing: an event stored while we held the lock must not be stranded.
        if not ledger.has_unfinished(key):
            return


def _max_event_attempts() -> int:
    return int(settings.GATEWAY_EVENT_MAX_ATTEMPTS)


def _finish(event: InboundEvent, status: str, error: str = "", *, attempts: int | None = None) -> None:
    ledger.finish(event.pk, status, error, attempts=attempts)
    kind = EventType.INBOUND_DONE if status == InboundEvent.Status.DONE else EventType.INBOUND_FAILED
    publish(kind, instance=event.instance.name, event_id=event.pk, error=error)


def _message(event: InboundEvent) -> InboundMessage:
    data = dict((event.payload or {}).get("message") or {})
    allowed = set(InboundMessage.__dataclass_fields__)
    return InboundMessage(**{k: v for k, v in data.items() if k in allowed})


def _process(event: InboundEvent) -> None:
    """One event (claimed: its `attempts` counts this one), from wherever it stopped last time to done or failed."""
    tried = event.attempts - 1
    if tried >= _max_event_attempts():  # this claim was one too many: not counted
        _finish(event, InboundEvent.Status.FAILED, f"gave up after {tried} attempts", attempts=tried)
        return
    instance = event.instance
    adapter = get_adapter(instance)
    if adapter is None:
        _finish(event, InboundEvent.Status.FAILED, f"no adapter for platform '{instance.platform}'")
        return
    message = _message(event)
    options = instance.options or {}
    # ack_emoji while the agent works (a resumed event already had its chance); replaced once the answer is sent.
    with slots.waiting():  # a platform round trip
        acked = "" if event.reply else reactions.ack_start(adapter, message, options)
    ok = False
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
    finally:
        with slots.waiting():
            reactions.ack_finish(adapter, message, options, acked, delivered=ok)
    _finish(event, InboundEvent.Status.DONE if ok else InboundEvent.Status.FAILED, "" if ok else "delivery failed")


def _answer(
    event: InboundEvent, instance: ChannelInstance, adapter: Adapter, message: InboundMessage
) -> list[OutboundMessage] | None:
    """Route, run the agent, and store its answer with the chunks to send (returned, so delivery need not read
    them back); None when the event failed."""
    route = resolve_agent(instance, event.context or message.context)
    agent = turn_hooks.agent_for(instance, message, route.agent)
    session = sessions.session_for(instance, event.conversation_key, event.chat_id, event.thread_id)
    held = hold_for_human(session, event, message.text, message.sender_id)
    if held:  # an operator has taken this conversation over: the message waits for them, the agent stays silent
        _finish(event, InboundEvent.Status.IGNORED, held)
        return None
    canned = turn_hooks.canned_reply(event, instance, message, session)
    if canned is not None:  # a feedback notice or a session command's confirmation: no agent runs
        with transaction.atomic():
            return _store_reply(event, instance, adapter, message, canned)
    turn = turns.prepare(
        "channel",
        agent,
        message.text,
        session,
        context={
            "instance": instance.name,
            "platform": instance.platform,
            "inbound_event": event.pk,
            "sender": message.sender_id,
            "route": route.source,  # which rule matched, recorded with the run for the trace page
        },
        events={"instance": instance.name, "event_id": event.pk, "route": route.source},
    )
    target = adapter.target_for(message)
    activity = turn_hooks.activity_for(adapter, target, instance, agent, event)
    with slots.waiting():
        adapter.typing(target)
    yield_to_acks()
    try:
        with slots.waiting():  # the model's time is not this worker's: another runs meanwhile (slots.py)
            reply = agent_loop.run(turns.answer, turn, on_event=activity.on_event if activity else None)
    except AgentError as exc:
        if activity:
            activity.done()
        note = turn_hooks.failure_text(event, str(exc))
        if note is None:
            _finish(event, InboundEvent.Status.FAILED, f"agent: {exc}")
            return None
        with transaction.atomic():
            return _store_reply(event, instance, adapter, message, note)
    if activity:
        activity.done()  # the status line goes before the answer arrives
    text = (reply.text or "").strip()
    if not text:
        _finish(event, InboundEvent.Status.FAILED, f"agent '{agent.name}' returned an empty answer")
        return None
    reply.text = text
    with transaction.atomic():
        turns.record(
            turn,
            reply,
            user_meta={"inbound_event": event.pk, "sender": message.sender_id},
            reply_meta={"inbound_event": event.pk},
        )
        return _store_reply(event, instance, adapter, message, turn_hooks.result_text(event, text) or "", text)


def _store_reply(
    event: InboundEvent,
    instance: ChannelInstance,
    adapter: Adapter,
    message: InboundMessage,
    text: str,
    answer: str | None = None,
) -> list[OutboundMessage]:
    """Store the reply (`answer`, default `text`) and the chunks of `text` to send ('' sends nothing); call inside
    the caller's transaction."""
    answer = text if answer is None else answer
    target = adapter.target_for(message)
    chunks = adapter.split(text) if text else []
    fastsql.update(InboundEvent, event.pk, reply=answer)
    rows = [
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
    ]
    fastsql.insert_objects(rows)
    event.reply = answer
    return rows


def _deliver(
    event: InboundEvent,
    instance: ChannelInstance,
    adapter: Adapter,
    message: InboundMessage,
    rows: list[OutboundMessage] | None = None,
) -> bool:
    """Send the event's pending chunks in order through the one delivery path (`rows` when just stored, else read
    back: a resumed event); True when all of them went out."""
    if rows is None:
        rows = list(OutboundMessage.objects.filter(inbound=event).order_by("seq"))
    if _caller_is_waiting(event, message):
        # The caller asked for the reply in its HTTP response (generic webhook `wait`) and is still waiting: the
        # webhook view returns these chunks; sending them to the callback as well would deliver the reply twice.
        for row in rows:
            if row.status == OutboundMessage.Status.PENDING:
                delivery.mark_sent(row, delivery.IN_HTTP_RESPONSE)
        return True
    base = adapter.target_for(message)

    def target_for(row: OutboundMessage) -> Target:
        return Target(
            chat_id=row.chat_id,
            thread_id=row.thread_id,
            reply_to=base.reply_to if row.seq == 0 else "",  # only the first chunk quotes the question
            extra={**base.extra, "delivery_id": row.idempotency_key, "context": message.context},
        )

    return delivery.send_rows(instance, adapter, rows, target_for, events={"event_id": event.pk})


def _caller_is_waiting(event: InboundEvent, message: InboundMessage) -> bool:
    """Whether the request that brought `message` still waits for its reply: it asked to (`reply.wait` seconds) and
    that time has not run out, with a margin so the view's last look cannot miss chunks marked just before it."""
    wait = float((message.reply or {}).get("wait") or 0)
    if wait <= 0:
        return False
    margin = min(1.0, wait / 2)
    return timezone.now() < event.received_at + timedelta(seconds=wait - margin)
