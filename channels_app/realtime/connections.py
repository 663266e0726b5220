"""Connection counting across processes: a lease row per socket, alive while its process heartbeats.

max_connections is checked against the database, so it holds across every server process; a crashed process stops
heartbeating and its leases stop counting after SERVER_TTL, with nothing to clean up by hand.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from channels_app.realtime.models import ConnectionLease, ServerProcess

SERVER_ID = uuid.uuid4().hex
_last_beat = 0.0


def server_beat_seconds() -> float:
    """How often this process proves it is alive (and runs the sweepers)."""
    return float(settings.GATEWAY_WS_SERVER_BEAT)


def server_ttl() -> timedelta:
    """A process silent for three beats is dead: its leases and registrations stop counting."""
    return timedelta(seconds=server_beat_seconds() * 3)


def beat(*, force: bool = True) -> None:
    """Record that this process is alive (`force=False`: skip when done within half a beat, to spare writes)."""
    global _last_beat
    if not force and time.monotonic() - _last_beat < server_beat_seconds() / 2:
        return
    _last_beat = time.monotonic()
    now = timezone.now()
    updated = ServerProcess.objects.filter(server_id=SERVER_ID).update(heartbeat_at=now)
    if not updated:
        ServerProcess.objects.update_or_create(
            server_id=SERVER_ID,
            defaults={"hostname": socket.gethostname()[:255], "pid": os.getpid(), "heartbeat_at": now},
        )


def live_leases():  # noqa: ANN201 - QuerySet[ConnectionLease]
    """Leases held by processes that are still alive."""
    return ConnectionLease.objects.filter(server__heartbeat_at__gt=timezone.now() - server_ttl())


def admit(connection_id: str, client_id: str, max_connections: int) -> bool:
    """Take a lease unless max_connections live leases are already held; the earlier lease wins a race."""
    beat(force=False)
    try:
        with transaction.atomic():
            lease = ConnectionLease.objects.create(
                connection_id=connection_id, server_id=SERVER_ID, client_id=client_id
            )
    except IntegrityError:  # our process row was reaped (or wiped): write it again and retry once
        beat()
        with transaction.atomic():
            lease = ConnectionLease.objects.create(
                connection_id=connection_id, server_id=SERVER_ID, client_id=client_id
            )
    ahead = live_leases().filter(pk__lte=lease.pk).count()
    if ahead > max_connections:
        ConnectionLease.objects.filter(pk=lease.pk).delete()
        return False
    return True


def set_client(connection_id: str, client_id: str) -> None:
    ConnectionLease.objects.filter(connection_id=connection_id).update(client_id=client_id)


def release(connection_id: str) -> None:
    ConnectionLease.objects.filter(connection_id=connection_id).delete()


def live_count() -> int:
    return live_leases().count()


def client_connected_elsewhere(client_id: str, connection_id: str) -> bool:
    """Whether the identity still holds another live socket (presence stays online then)."""
    return live_leases().filter(client_id=client_id).exclude(connection_id=connection_id).exists()


def reap_dead_servers() -> int:
    """Delete processes long dead (ten TTLs), with their leases and registrations."""
    cutoff = timezone.now() - server_ttl() * 10
    deleted, _ = ServerProcess.objects.filter(heartbeat_at__lt=cutoff).delete()
    return deleted
