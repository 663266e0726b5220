"""Where pipeline work runs: in this process on a bounded worker pool (embedded), or as Celery tasks.

The mode is settings.GATEWAY_DISPATCH (env GATEWAY_DISPATCH): `embedded`, `celery`, or `off` (an ingress-only
process that stores and acknowledges, leaving the work to another process). Unset: `celery` when REDIS_URL
is set, else `embedded`. The same `routing.pipeline.worker.process_event` runs either way.
"""

from __future__ import annotations

import logging
import queue
import threading

from django.conf import settings
from django.db import close_old_connections

from gatewaysite.dbconn import keep_connections

logger = logging.getLogger(__name__)


def mode() -> str:
    chosen = settings.GATEWAY_DISPATCH
    if chosen:
        return chosen
    return "celery" if getattr(settings, "REDIS_URL", "") else "embedded"


class EmbeddedDispatcher:
    """A fixed pool of worker threads; a semaphore bounds how many events wait in memory (the rest wait in
    the database and are picked up by the sweeper).

    The threads take event ids from one queue rather than through a ThreadPoolExecutor: a burst of webhooks queues
    thousands of events at once, and an executor keeps a Future (with its own Condition and lock, about 1 KB) for
    each, where the queue keeps an int.
    """

    def __init__(self, workers: int, queue_bound: int) -> None:
        self._workers = workers
        self._queue: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._slots = threading.BoundedSemaphore(queue_bound)
        self._pending: set[int] = set()
        self._idle = threading.Condition()
        self._sweeper: threading.Timer | None = None
        self._stopped = False

    def submit(self, event_id: int) -> bool:
        with self._idle:
            if self._stopped:
                return False  # left in the database for the next start
            if event_id in self._pending:
                return True
            if not self._slots.acquire(blocking=False):
                return False  # left in the database; the sweeper resubmits it
            self._pending.add(event_id)
            if len(self._threads) < self._workers:
                self._start_thread()
        self._queue.put(event_id)
        return True

    def _start_thread(self) -> None:
        thread = threading.Thread(target=self._serve, name=f"gateway-worker_{len(self._threads)}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _serve(self) -> None:
        while (event_id := self._queue.get()) is not None:
            if self._stopped:  # shutdown(wait=False): what was queued stays in the database
                self._done(event_id)
                continue
            self._run(event_id)

    def _run(self, event_id: int) -> None:
        from routing.pipeline.worker import process_event

        try:
            process_event(event_id)
        except Exception:
            logger.exception("pipeline failed for inbound event %s", event_id)
        finally:
            keep_connections()  # the worker keeps its connection for the next event (gatewaysite/dbconn.py)
            self._done(event_id)

    def _done(self, event_id: int) -> None:
        with self._idle:
            self._pending.discard(event_id)
            self._slots.release()
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until no event is queued or running (tests, graceful shutdown); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending, timeout=timeout)

    def start_sweeper(self, interval: float) -> None:
        """Every `interval` seconds, resubmit stored-but-unfinished events this process does not hold."""

        def sweep() -> None:
            from routing.pipeline.worker import resume_unfinished

            try:
                resume_unfinished(older_than=interval)
            except Exception:
                logger.exception("sweeper failed")
            finally:
                close_old_connections()
                self.start_sweeper(interval)

        self._sweeper = threading.Timer(interval, sweep)
        self._sweeper.daemon = True
        self._sweeper.start()

    def shutdown(self, wait: bool = True) -> None:
        """Stop the sweeper and the threads: after finishing what is queued (`wait`), or after the events now
        running, leaving the queued ones in the database."""
        if self._sweeper:
            self._sweeper.cancel()
        with self._idle:
            self._stopped = not wait
            threads = list(self._threads)
            self._threads = []
        for _ in threads:
            self._queue.put(None)  # one stop mark per thread, after everything queued so far
        if wait:
            for thread in threads:
                thread.join()


_embedded: EmbeddedDispatcher | None = None
_embedded_lock = threading.Lock()


def embedded() -> EmbeddedDispatcher:
    """The process's embedded dispatcher, created on first use."""
    global _embedded
    with _embedded_lock:
        if _embedded is None:
            # A turn mostly waits — on the model's HTTP answer, the platform's send, a database round trip — so
            # turns of different conversations overlap. With only two threads on SQLite (once chosen so workers
            # would not queue on its one writer) replies stalled behind those waits: bench/webhook_load.py through
            # an HTTP model, 2,000 deliveries, went from 18.6 to 30.6 replies/s with eight at the same CPU per
            # message. Each write transaction is short, and acknowledgements still come first (ingress.py).
            # Sixteen since only GATEWAY_ACTIVE_WORKERS of them run Python at once (slots.py): the rest wait on models.
            default_workers = 16
            _embedded = EmbeddedDispatcher(
                workers=int(settings.GATEWAY_WORKERS or default_workers),
                queue_bound=int(settings.GATEWAY_QUEUE_BOUND),
            )
            interval = float(settings.GATEWAY_SWEEP_INTERVAL)
            if interval > 0:
                _embedded.start_sweeper(interval)
        return _embedded


def submit(event_ids: list[int], *, background: bool = True) -> None:
    """Queue inbound events for processing in the configured mode.

    With Celery, `background` sends the task messages from the hand-off thread (the acknowledgement path);
    the sweeps pass False so a worker that runs one and exits has sent everything it found.
    """
    chosen = mode()
    if chosen == "off":
        return
    if chosen == "celery":
        from routing.pipeline.handoff import sender

        if background:
            sender.submit(list(event_ids))  # a background thread talks to the broker (handoff.py)
        else:
            sender.send_now(list(event_ids))
        return
    pool = embedded()
    for event_id in event_ids:
        pool.submit(event_id)
