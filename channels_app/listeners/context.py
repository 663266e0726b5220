"""The listener's side door into the database: health updates, its cursor, and handing messages to the intake."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import F
from django.utils import timezone

from channels_app.adapters.base import InboundMessage
from channels_app.health import record_instance_error
from channels_app.listeners import intake
from channels_app.listeners.models import ListenerState
from channels_app.models import ChannelInstance

logger = logging.getLogger(__name__)


class ListenerContext:
    """Bound to one instance; every method is safe to call from the listener's thread."""

    def __init__(self, instance: ChannelInstance, kind: str, holder: str) -> None:
        self.instance = instance
        self.kind = kind
        self.holder = holder
        self.state, _ = ListenerState.objects.get_or_create(instance=instance, defaults={"kind": kind})

    def _update(self, **fields: Any) -> None:
        ListenerState.objects.filter(pk=self.state.pk).update(updated_at=timezone.now(), **fields)

    # -- health ----------------------------------------------------------------------------------
    def set_status(self, status: str, **fields: Any) -> None:
        fields.setdefault("holder", self.holder)
        self._update(status=status, kind=self.kind, **fields)

    def connected(self) -> None:
        """The platform connection is up (Discord READY, Socket Mode hello, IMAP login, first poll answered)."""
        now = timezone.now()
        self.set_status(ListenerState.Status.RUNNING, connected_at=now, last_seen_at=now)

    def seen(self) -> None:
        """A sign of life (poll answered, heartbeat acked): what /health uses to tell a stuck listener."""
        self._update(last_seen_at=timezone.now())

    def record_error(self, message: str, *, status: str = ListenerState.Status.BACKOFF) -> None:
        """Store the error on the listener and on the instance, where the admin already shows `last_error`."""
        now = timezone.now()
        text = message[:2000]
        self._update(status=status, last_error=text, last_error_at=now, restarts=F("restarts") + 1)
        record_instance_error(self.instance.pk, f"listener: {text}", now)

    # -- cursor ----------------------------------------------------------------------------------
    def load_cursor(self) -> dict[str, Any]:
        row = ListenerState.objects.filter(pk=self.state.pk).values_list("cursor", flat=True).first()
        return dict(row or {})

    def save_cursor(self, cursor: dict[str, Any]) -> None:
        """Persist only after the messages it covers are stored, so a restart neither loses nor repeats them."""
        self._update(cursor=cursor)

    # -- messages --------------------------------------------------------------------------------
    def deliver(self, messages: list[InboundMessage], *, event_type: str = "message") -> int:
        """Store and dispatch through the shared intake; returns how many were new (dedupe drops the rest)."""
        if not messages:
            return 0
        new = intake.accept(self.instance, messages, event_type=event_type)
        now = timezone.now()
        self._update(last_event_at=now, last_seen_at=now, events_received=F("events_received") + new)
        return new
