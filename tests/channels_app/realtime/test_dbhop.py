"""The plane's database hop: results, exceptions and the caller's contextvars cross the thread boundary; a
cancelled caller's hop that no worker has started never runs; a burst of hops all complete, in submission order
on the one SQLite thread."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from channels_app.realtime.dbhop import pool_size, pooled

pytestmark = pytest.mark.django_db(transaction=True)

who: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="nobody")


def _whoami(suffix: str) -> tuple[str, str]:
    return who.get() + suffix, threading.current_thread().name


def _fail() -> None:
    raise ValueError("from the pool")


async def test_a_hop_returns_raises_and_sees_the_callers_context() -> None:
    who.set("alice")
    value, thread = await pooled(_whoami)("!")
    assert value == "alice!" and thread.startswith("ws-db")
    with pytest.raises(ValueError, match="from the pool"):
        await pooled(_fail)()


async def test_a_burst_of_hops_all_complete_in_order() -> None:
    seen: list[int] = []
    results = await asyncio.gather(*(pooled(lambda n=n: seen.append(n) or n)() for n in range(200)))
    assert results == list(range(200))
    assert sorted(seen) == list(range(200))
    if pool_size() == 1:
        assert seen == list(range(200))  # one worker (SQLite): in submission order


async def test_a_cancelled_callers_hop_that_has_not_started_never_runs() -> None:
    gate = threading.Event()
    ran: list[str] = []
    blockers = [asyncio.ensure_future(pooled(gate.wait)(5)) for _ in range(pool_size())]  # every worker busy
    await asyncio.sleep(0.05)
    queued = asyncio.ensure_future(pooled(ran.append)("late"))
    await asyncio.sleep(0.05)
    queued.cancel()
    with pytest.raises(asyncio.CancelledError):
        await queued
    gate.set()
    assert await asyncio.gather(*blockers) == [True] * pool_size()
    assert await pooled(lambda: "after")() == "after"
    assert ran == []
