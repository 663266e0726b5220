"""Queue depth: accepted inbound work not finished yet, and the Celery broker queue when there is one."""

from __future__ import annotations

from django.conf import settings

from channels_app.models import InboundEvent

BROKER_QUEUE = "celery"


def inbound_backlog() -> int:
    """Inbound events stored and acknowledged but not answered yet."""
    return InboundEvent.objects.filter(
        status__in=[InboundEvent.Status.RECEIVED, InboundEvent.Status.PROCESSING]
    ).count()


def broker_depth() -> int | None:
    """Messages waiting in the Redis broker's default queue (distributed mode), or None without a broker."""
    url = getattr(settings, "REDIS_URL", "") or ""
    if not url:
        return None
    import redis

    client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
    try:
        return int(client.llen(BROKER_QUEUE))
    finally:
        client.close()
