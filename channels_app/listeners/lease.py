"""The single-holder lease: one conditional UPDATE, atomic on SQLite and PostgreSQL alike.

A process takes a free or expired lease, renews it while its listener runs, and gives it back on a clean stop. A
process that dies simply stops renewing; the lease expires and another process takes over.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from channels_app.listeners.models import ListenerLease

PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_key(kind: str, identity: str) -> str:
    """A lease key that names no secret: the credential identity is hashed."""
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:24]
    return f"{kind}:{digest}"


def acquire(key: str, holder: str, instance_name: str, ttl: float) -> bool:
    """Take the lease if it is free, expired or already ours; False when another live holder has it."""
    now = timezone.now()
    try:
        with transaction.atomic():
            ListenerLease.objects.get_or_create(key=key)
    except IntegrityError:
        pass  # another process created the row at the same moment; the UPDATE below decides
    taken = (
        ListenerLease.objects.filter(key=key)
        .filter(Q(holder="") | Q(holder=holder) | Q(expires_at__lt=now) | Q(expires_at__isnull=True))
        .update(holder=holder, instance_name=instance_name, expires_at=now + timedelta(seconds=ttl))
    )
    return taken == 1


def renew(key: str, holder: str, ttl: float) -> bool:
    """Extend our lease; False means we lost it (expired and taken) and must stop listening."""
    expires = timezone.now() + timedelta(seconds=ttl)
    return ListenerLease.objects.filter(key=key, holder=holder).update(expires_at=expires) == 1


def release(key: str, holder: str) -> None:
    """Give the lease back so a standby process can take over without waiting for expiry."""
    ListenerLease.objects.filter(key=key, holder=holder).update(holder="", instance_name="", expires_at=None)
