"""Push pub/sub service functions: channels, subscriptions, publish with per-channel sequence numbers, acks, replay.

Delivery state belongs to the client identity (PushSubscription), not to a connection, so a client that reconnects —
to any process, or through long-polling — gets exactly what it has not acked yet. The REST API calls these too.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from channels_app.realtime import frames, groups
from channels_app.realtime.config import load_config
from channels_app.realtime.dbhop import pooled
from channels_app.realtime.models import PushChannel, PushClient, PushMessage, PushSubscription

CHANNEL_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,80}$")


class PushError(ValueError):
    """A push request that cannot be served; `code` goes into the error frame or HTTP answer."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _valid_name(name: object) -> str:
    if not isinstance(name, str) or not CHANNEL_NAME.match(name):
        raise PushError("invalid_channel", "channel must be 1-80 letters, digits, '.', '_' or '-'")
    return name


def _get_channel(name: object) -> PushChannel:
    channel = PushChannel.objects.filter(name=_valid_name(name)).first()
    if channel is None:
        raise PushError("channel_not_found", f"channel '{name}' does not exist; create it first")
    return channel


def channel_create(name: object, metadata: object = None, created_by: str = "") -> tuple[PushChannel, bool]:
    """Create a channel (idempotent: an existing one is returned with created=False)."""
    if metadata is not None and not isinstance(metadata, dict):
        raise PushError("invalid_metadata", "metadata must be an object")
    return PushChannel.objects.get_or_create(
        name=_valid_name(name), defaults={"metadata": metadata or {}, "created_by": created_by}
    )


def channel_delete(name: object) -> bool:
    deleted, _ = PushChannel.objects.filter(name=_valid_name(name)).delete()
    return bool(deleted)


def channel_list() -> list[dict[str, Any]]:
    """Every channel with its subscriber count and newest sequence number."""
    rows = PushChannel.objects.annotate(subscribers=Count("subscriptions")).order_by("name")
    return [
        {"channel": c.name, "metadata": c.metadata, "subscribers": c.subscribers, "last_seq": c.last_seq} for c in rows
    ]


# A connection that never names itself (no ?client_id=, no hello.client_id) gets `anon-<token>-<connection id>`.
ANONYMOUS_PREFIX = "anon-"


def anonymous_identity(token_name: str, connection_id: str) -> str:
    return f"{ANONYMOUS_PREFIX}{token_name[:40]}-{connection_id}"


def adoptable_identity(client_id: str, name: object) -> str | None:
    """The unnamed identity an unnamed connection subscribing to `name` continues, if any.

    PraisonAI's PushClient never sends a client_id: after a reconnect it is a new connection that re-subscribes. So
    the newest unnamed identity of the same token that is subscribed to this channel and no longer connected is the
    same client coming back; taking it over delivers what was published while it was away (and not acked since).
    Push channels have no per-channel access list, so nothing becomes readable that the token could not read anyway.
    """
    if not client_id.startswith(ANONYMOUS_PREFIX):
        return None
    from channels_app.realtime.connections import live_leases

    prefix = client_id[: client_id.rindex("-") + 1]
    orphan = (
        PushSubscription.objects.filter(channel__name=_valid_name(name), client_id__startswith=prefix)
        .exclude(client_id=client_id)
        .exclude(client_id__in=live_leases().values("client_id"))
        .order_by("-pk")
        .first()
    )
    return orphan.client_id if orphan else None


def subscribe(client_id: str, name: object) -> PushSubscription:
    """Subscribe an identity; it receives messages published from now on (and keeps them until acked)."""
    channel = _get_channel(name)
    sub, _ = PushSubscription.objects.get_or_create(
        client_id=client_id, channel=channel, defaults={"acked_through": channel.last_seq}
    )
    return sub


def unsubscribe(client_id: str, name: object) -> bool:
    deleted, _ = PushSubscription.objects.filter(client_id=client_id, channel__name=_valid_name(name)).delete()
    return bool(deleted)


def client_channels(client_id: str) -> list[str]:
    return list(
        PushSubscription.objects.filter(client_id=client_id).values_list("channel__name", flat=True).order_by("pk")
    )


def channel_subscribers(name: str) -> list[str]:
    return list(PushSubscription.objects.filter(channel__name=name).values_list("client_id", flat=True))


def message_frame(message: PushMessage, channel_name: str) -> dict[str, Any]:
    """The `channel_message` event a subscriber receives (seed envelope + channel, seq)."""
    frame = frames.event(
        "channel_message",
        message.data if isinstance(message.data, dict) else {"value": message.data},
        source=message.publisher or "gateway",
        channel=channel_name,
        seq=message.seq,
    )
    frame["event_id"] = message.event_id
    frame["timestamp"] = message.created_at.isoformat().replace("+00:00", "Z")
    return frame


def claim_client(client_id: str, owner: str, may_override: bool) -> bool:
    """May the token `owner` act as push identity `client_id`? The first token to use an identity owns it; another
    token is refused (it would receive that client's messages) unless it has the admin scope (`may_override`)."""
    if not client_id or not owner:
        return True
    row, created = PushClient.objects.get_or_create(client_id=client_id, defaults={"owner": owner[:120]})
    return created or row.owner == owner[:120] or may_override


def store_message(name: object, data: object, publisher: str = "") -> tuple[dict[str, Any], int]:
    """Number and keep one message; returns its frame and how many identities (publisher excluded) will get it."""
    if data is None:
        raise PushError("invalid_data", "data must be a JSON value other than null")
    config = load_config()
    with transaction.atomic():
        channel = _get_channel(name)
        PushChannel.objects.filter(pk=channel.pk).update(last_seq=F("last_seq") + 1)
        channel.refresh_from_db(fields=["last_seq"])
        message = PushMessage.objects.create(
            channel=channel,
            seq=channel.last_seq,
            event_id=uuid.uuid4().hex,
            data=data,
            publisher=publisher,
            expires_at=timezone.now() + timedelta(seconds=config.retention_seconds),
        )
    delivered = PushSubscription.objects.filter(channel=channel).exclude(client_id=publisher).count()
    return message_frame(message, channel.name), delivered


def _group_message(frame: dict[str, Any], publisher: str) -> dict[str, Any]:
    return {"type": "push.message", "frame": frame, "publisher": publisher}


async def apublish(name: object, data: object, publisher: str = "") -> tuple[dict[str, Any], int]:
    """Publish from async code (consumers): store, then fan out to every process's subscribers."""
    frame, delivered = await pooled(store_message)(name, data, publisher)
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(groups.push_group(frame["channel"]), _group_message(frame, publisher))
    return frame, delivered


def publish(name: object, data: object, publisher: str = "") -> dict[str, Any]:
    """Publish from sync code (REST API, admin, tasks). Returns {channel, seq, event_id, delivered}."""
    frame, delivered = store_message(name, data, publisher)
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(groups.push_group(frame["channel"]), _group_message(frame, publisher))
    return {"channel": frame["channel"], "seq": frame["seq"], "event_id": frame["event_id"], "delivered": delivered}


def _mark_acked(sub: PushSubscription, seq: int) -> None:
    if seq <= sub.acked_through or seq in sub.acked_extra:
        return
    extra = sorted({*sub.acked_extra, seq})
    through = sub.acked_through
    while extra and extra[0] == through + 1:
        through = extra.pop(0)
    extra = [s for s in extra if s > through]
    sub.acked_through, sub.acked_extra = through, extra
    sub.save(update_fields=["acked_through", "acked_extra"])


def ack(client_id: str, *, event_id: str | None = None, channel: str | None = None, seq: int | None = None) -> bool:
    """Record that an identity got a message (by event_id, or channel + seq); False when nothing matched."""
    if event_id:
        row = PushMessage.objects.filter(event_id=event_id).values_list("channel__name", "seq").first()
        if row is None:
            return False
        channel, seq = row
    if channel is None or seq is None:
        return False
    with transaction.atomic():
        sub = PushSubscription.objects.select_for_update().filter(client_id=client_id, channel__name=channel).first()
        if sub is None:
            return False
        _mark_acked(sub, int(seq))
    return True


def ack_through(client_id: str, channel: str, seq: int) -> None:
    """Cumulative ack (clients that did not ask for per-message acks: what was sent counts as delivered)."""
    PushSubscription.objects.filter(client_id=client_id, channel__name=channel, acked_through__lt=seq).update(
        acked_through=seq
    )


def is_acked(client_id: str, channel: str, seq: int) -> bool:
    sub = PushSubscription.objects.filter(client_id=client_id, channel__name=channel).first()
    return sub is None or seq <= sub.acked_through or seq in sub.acked_extra


def pending(client_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """Every retained message this identity has not acked, oldest first per channel (what replay sends)."""
    out: list[dict[str, Any]] = []
    now = timezone.now()
    for sub in PushSubscription.objects.filter(client_id=client_id).select_related("channel").order_by("pk"):
        rows = (
            PushMessage.objects.filter(channel=sub.channel, seq__gt=sub.acked_through, expires_at__gt=now)
            .exclude(Q(seq__in=sub.acked_extra) | Q(publisher=client_id))
            .order_by("seq")[: max(limit - len(out), 0)]
        )
        out.extend(message_frame(m, sub.channel.name) for m in rows)
        if len(out) >= limit:
            break
    return out


def purge_expired() -> int:
    deleted, _ = PushMessage.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
