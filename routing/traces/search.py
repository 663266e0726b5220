"""Find turns: by message text, conversation (key, chat id or session key), sender, or any platform id.

Channel turns are found through their inbound event (text, sender, chat, conversation key, the platform's event and
message ids, or a reply chunk's platform id); turns without one (web chat, REST chat) through their agent run
(input text, session key). Newest first.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from agents_app.models import AgentRun
from channels_app.models import InboundEvent, OutboundMessage


def _event_row(event: InboundEvent) -> dict[str, Any]:
    message = (event.payload or {}).get("message") or {}
    return {
        "id": f"event-{event.pk}",
        "at": event.received_at.isoformat(),
        "where": event.instance.name,
        "platform": event.instance.platform,
        "sender": event.sender_id,
        "conversation": event.conversation_key,
        "text": str(message.get("text") or "")[:200],
        "status": event.status,
    }


def _run_row(run: AgentRun) -> dict[str, Any]:
    context = run.context or {}
    return {
        "id": f"run-{run.pk}",
        "at": run.created_at.isoformat(),
        "where": str(context.get("source") or "agent"),
        "platform": str(context.get("platform") or context.get("source") or ""),
        "sender": str(context.get("sender") or context.get("user") or ""),
        "conversation": str(context.get("session") or ""),
        "text": run.input_text[:200],
        "status": run.status,
    }


def search_traces(query: str = "", *, field: str = "any", limit: int = 50) -> list[dict[str, Any]]:
    """Turns matching `query` in `field` (any, text, conversation, sender, platform_id); the newest when empty."""
    query = query.strip()
    events = InboundEvent.objects.select_related("instance").order_by("-received_at", "-id")
    runs = AgentRun.objects.exclude(context__has_key="inbound_event").order_by("-created_at", "-id")
    if query:
        text = Q(payload__message__text__icontains=query)
        conversation = Q(conversation_key__icontains=query) | Q(chat_id=query) | Q(thread_id=query)
        sender = Q(sender_id=query)
        replied = OutboundMessage.objects.filter(platform_message_id=query).values("inbound_id")
        platform_id = Q(dedupe_key=query) | Q(message_key=query) | Q(pk__in=replied)
        by_field = {
            "text": (text, Q(input_text__icontains=query)),
            "conversation": (conversation, Q(context__session__icontains=query)),
            "sender": (sender, Q(context__sender=query)),
            "platform_id": (platform_id, None),
        }
        if field in by_field:
            event_q, run_q = by_field[field]
        else:
            event_q = text | conversation | sender | platform_id
            run_q = Q(input_text__icontains=query) | Q(context__session__icontains=query)
        events = events.filter(event_q)
        runs = runs.filter(run_q) if run_q is not None else runs.none()
    rows = [_event_row(e) for e in events[:limit]] + [_run_row(r) for r in runs[:limit]]
    rows.sort(key=lambda row: row["at"], reverse=True)
    return rows[:limit]
