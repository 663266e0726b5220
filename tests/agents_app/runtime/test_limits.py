"""The process-wide semaphore: FIFO hand-over, cancellation of a waiter, and use from several loops."""

from __future__ import annotations

import asyncio
import threading

from agents_app.runtime.limits import ProcessSemaphore, model_call_slot


async def test_a_cancelled_waiter_does_not_leak_its_slot() -> None:
    semaphore = ProcessSemaphore(1)
    await semaphore.acquire()
    waiter = asyncio.create_task(semaphore.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    semaphore.release()
    assert semaphore.in_use == 0
    async with semaphore:
        assert semaphore.in_use == 1


async def test_waiters_are_served_in_order() -> None:
    semaphore = ProcessSemaphore(1)
    order: list[int] = []

    async def user(index: int) -> None:
        async with semaphore:
            order.append(index)
            await asyncio.sleep(0)

    await asyncio.gather(*(user(i) for i in range(5)))
    assert order == [0, 1, 2, 3, 4]
    assert semaphore.in_use == 0


def test_threads_with_their_own_loops_share_the_bound() -> None:
    semaphore = ProcessSemaphore(2)
    peak = 0
    guard = threading.Lock()
    pair = threading.Barrier(2)

    async def use() -> None:
        nonlocal peak
        async with semaphore:
            await asyncio.to_thread(pair.wait, 5)  # hold until a second thread is inside too
            with guard:
                peak = max(peak, semaphore.in_use)

    threads = [threading.Thread(target=lambda: asyncio.run(use())) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert peak == 2
    assert semaphore.in_use == 0


def test_the_slot_follows_the_configured_limit() -> None:
    assert model_call_slot(3) is model_call_slot(3)
    assert model_call_slot(4).limit == 4
