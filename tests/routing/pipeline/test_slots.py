"""routing/pipeline/slots.py: at most GATEWAY_ACTIVE_WORKERS pipeline threads run Python at once, and a thread
waiting on the model gives its place up meanwhile."""

from __future__ import annotations

import threading
import time

from routing.pipeline import slots


def _run_threads(*bodies) -> None:
    threads = [threading.Thread(target=body) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)


def test_no_more_than_the_configured_workers_run_at_once(settings) -> None:
    settings.GATEWAY_ACTIVE_WORKERS = 2
    running, most = 0, 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, most
        with slots.active():
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.02)
            with lock:
                running -= 1

    _run_threads(*[work] * 6)
    assert most == 2


def test_a_worker_waiting_on_the_model_lets_the_others_run(settings) -> None:
    settings.GATEWAY_ACTIVE_WORKERS = 1
    inside_wait = threading.Event()
    other_ran = threading.Event()

    def waiter() -> None:
        with slots.active(), slots.waiting():
            inside_wait.set()
            other_ran.wait(2)  # the model's time: the one slot is free meanwhile

    def other() -> None:
        inside_wait.wait(2)
        with slots.active():
            other_ran.set()

    _run_threads(waiter, other)
    assert other_ran.is_set()
