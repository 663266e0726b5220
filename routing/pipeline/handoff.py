"""Celery hand-off off the acknowledgement path: one thread per process sends the task messages.

Why: the intake writer hands new events over right after its commit, and a broker round trip per event
(about a millisecond, far more on a loaded machine) made every batch's acknowledgements wait for the ones
before it. The event is already stored, so sending its task a moment later changes nothing the platform
sees; if this process dies first, the start-up resume (`resume_unfinished`) and a starting worker's sweep
queue it again, and the pipeline's idempotent steps make any double send harmless.
"""

from __future__ import annotations

import logging
import queue
import threading

logger = logging.getLogger(__name__)

MAX_BATCH = 256  # task messages sent on one producer checkout


class TaskSender:
    """A queue of event ids and the daemon thread that turns each into a `routing.process_inbound` task."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, event_ids: list[int]) -> None:
        for event_id in event_ids:
            self._queue.put(event_id)
        self._ensure_started()

    def _ensure_started(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="celery-handoff", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self.send_now(batch)

    @staticmethod
    def send_now(event_ids: list[int]) -> None:
        """Send in the calling thread, all on one producer; a broker error is logged (the event stays stored for
        the sweep).

        Why one producer and one batch: `apply_async` alone acquires a broker connection and, with the Redis
        transport, builds a new Redis client and makes a round trip for every message — under
        bench/webhook_load.py --distributed more than half of Daphne's CPU per acknowledgement. A kombu publish batch
        sends them all in one pipelined write.
        """
        from routing.pipeline.tasks import process_inbound

        try:
            with process_inbound.app.producer_or_acquire() as producer, producer.batch(max_size=MAX_BATCH):
                for event_id in event_ids:
                    try:
                        # retry=False: inside a batch a publish only buffers (the broker is written to when the
                        # batch flushes, outside any retry), so kombu's retry wrapper per message was pure cost
                        # (10 % of Daphne's CPU in the distributed bench); a failed flush is logged below and the
                        # events stay stored for the sweep.
                        process_inbound.apply_async((event_id,), producer=producer, retry=False)
                    except Exception:
                        logger.exception("could not queue inbound event %s; it stays stored for the sweep", event_id)
        except Exception:  # no broker connection at all
            logger.exception("could not queue inbound events %s; they stay stored for the sweep", event_ids)

    def pending(self) -> int:
        """Ids not yet handed to the broker (tests, diagnostics)."""
        return self._queue.qsize()


sender = TaskSender()
