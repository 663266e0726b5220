"""Agent turns from pipeline worker threads share one long-lived loop, and their database work stays on the
calling thread (its own connection), as it did with a new loop per turn."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async

from routing.pipeline import agent_loop


async def _loop_id() -> int:
    return id(asyncio.get_running_loop())


def _in_thread(func):
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(func()))
    thread.start()
    thread.join(5)
    return result[0]


def test_turns_from_different_threads_run_on_one_loop() -> None:
    first = _in_thread(lambda: agent_loop.run(_loop_id))
    second = _in_thread(lambda: agent_loop.run(_loop_id))
    assert first == second == id(agent_loop.loop())


def test_thread_sensitive_work_runs_in_the_calling_thread() -> None:
    async def where() -> tuple[int, int]:
        inner = await sync_to_async(threading.get_ident, thread_sensitive=True)()
        return inner, threading.get_ident()

    def call() -> tuple[int, tuple[int, int]]:
        return threading.get_ident(), agent_loop.run(where)

    caller, (sync_side, loop_side) = _in_thread(call)
    assert sync_side == caller and loop_side != caller


def test_an_error_in_the_turn_reaches_the_caller() -> None:
    async def boom() -> None:
        raise ValueError("no answer")

    with pytest.raises(ValueError, match="no answer"):
        agent_loop.run(boom)
