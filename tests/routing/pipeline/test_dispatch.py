"""The embedded dispatcher: events run on a bounded set of threads, each once; beyond the memory bound they stay in
the database for the sweeper; a stop either finishes what is queued or leaves it stored for the next start."""

from __future__ import annotations

import threading
import time

import pytest

from routing.pipeline import dispatch, worker


class Recorder:
    """Stands in for the pipeline step the dispatcher calls, so these tests see only the dispatcher's own rules."""

    def __init__(self) -> None:
        self.ran: list[int] = []
        self.running = 0
        self.most = 0
        self.gate = threading.Event()
        self.gate.set()
        self._lock = threading.Lock()

    def __call__(self, event_id: int) -> None:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.gate.wait(10)
        time.sleep(0.01)
        with self._lock:
            self.running -= 1
            self.ran.append(event_id)


@pytest.fixture
def recorder(monkeypatch) -> Recorder:
    recorded = Recorder()
    monkeypatch.setattr(worker, "process_event", recorded)
    return recorded


def test_each_event_runs_once_on_at_most_the_configured_threads(recorder) -> None:
    pool = dispatch.EmbeddedDispatcher(workers=3, queue_bound=100)
    for event_id in [*range(20), 5, 6]:  # 5 and 6 again while still queued: not run twice
        assert pool.submit(event_id)
    assert pool.wait_idle(10)
    assert sorted(recorder.ran) == list(range(20))
    assert recorder.most == 3
    pool.shutdown()


def test_beyond_the_bound_an_event_stays_in_the_database(recorder) -> None:
    recorder.gate.clear()
    pool = dispatch.EmbeddedDispatcher(workers=1, queue_bound=2)
    assert pool.submit(1) and pool.submit(2)
    assert not pool.submit(3)  # the sweeper resubmits it later
    recorder.gate.set()
    assert pool.wait_idle(10)
    assert pool.submit(3) and pool.wait_idle(10)
    assert sorted(recorder.ran) == [1, 2, 3]
    pool.shutdown()


def test_a_stop_that_does_not_wait_leaves_queued_events_unrun(recorder) -> None:
    recorder.gate.clear()
    pool = dispatch.EmbeddedDispatcher(workers=1, queue_bound=100)
    for event_id in range(5):
        pool.submit(event_id)
    while recorder.running == 0:
        time.sleep(0.01)
    pool.shutdown(wait=False)
    recorder.gate.set()
    assert pool.wait_idle(10)
    assert recorder.ran == [0]  # the running one finished; 1-4 stay stored and resume at the next start
    assert not pool.submit(9)


def test_a_stop_that_waits_finishes_everything_queued(recorder) -> None:
    pool = dispatch.EmbeddedDispatcher(workers=2, queue_bound=100)
    for event_id in range(10):
        pool.submit(event_id)
    pool.shutdown(wait=True)
    assert sorted(recorder.ran) == list(range(10))
