"""Readiness checks: the database answers and the channel layer is reachable, each within a short bound."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection

READY_GROUP = "gateway.ready"
CHECK_TIMEOUT = 2.0


@dataclass(frozen=True)
class Check:
    """One dependency's state; `error` is a short type name, never a connection string."""

    name: str
    ok: bool
    ms: float
    error: str = ""

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"ok": self.ok, "ms": round(self.ms, 1)}
        if self.error:
            data["error"] = self.error
        return data


def _timed(name: str, probe: callable) -> Check:  # type: ignore[valid-type]
    started = time.perf_counter()
    try:
        probe()
    except Exception as exc:  # any failure means "not ready"; the type is enough for an operator
        return Check(name, False, (time.perf_counter() - started) * 1000, type(exc).__name__)
    return Check(name, True, (time.perf_counter() - started) * 1000)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _layer_roundtrip() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    # A group send to a group nobody joined touches the backend (Redis) without delivering anything.
    await asyncio.wait_for(layer.group_send(READY_GROUP, {"type": "gateway.ready"}), CHECK_TIMEOUT)


def _channel_layer() -> None:
    async_to_sync(_layer_roundtrip)()


def readiness() -> list[Check]:
    """The database and channel-layer checks, in that order."""
    return [_timed("database", _database), _timed("channel_layer", _channel_layer)]
