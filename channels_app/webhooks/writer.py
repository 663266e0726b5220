"""Group commit for webhook intake: a writer thread stores many pending deliveries in one transaction.

Why: the acknowledgement must wait for the insert (stored before ack), and on SQLite every write transaction
takes the one database write lock. One transaction per request made concurrent requests and the pipeline's
workers queue on that lock, and each request also hopped to a fresh worker thread and database connection.
Here requests only enqueue and await; a writer (one on SQLite; GATEWAY_INTAKE_WRITERS, default 4, on
PostgreSQL, where round trips rather than a lock bound a single writer) takes everything pending, opens one
transaction, inserts all their messages together (`intake.store_many`: the unique keys settle duplicates, each
delivery gets its own result), commits once, and only then settles each request with its own result. When a
batch fails, each of its deliveries is stored again in a transaction of its own, so only the bad one fails. A
request whose delivery was not committed gets the exception (→ 503, the platform redelivers); none is ever told
"stored" before the commit returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from channels_app.adapters.base import DeliveryStatus, InboundMessage
from channels_app.models import ChannelInstance
from channels_app.webhooks import intake

logger = logging.getLogger(__name__)

DEFAULT_MAX_BATCH = 256
DEFAULT_TIMEOUT = 10.0


class IntakeTimeout(DatabaseError):
    """The writer did not answer in time; the delivery may or may not be stored (redelivery is deduplicated)."""


@dataclass
class _Job(intake.Delivery):
    """A delivery waiting in the writer's queue, with the request that awaits its result."""

    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[intake.IntakeResult]
    outcome: intake.IntakeResult | BaseException | None = field(default=None)


def _settle(future: asyncio.Future[intake.IntakeResult], outcome: intake.IntakeResult | BaseException) -> None:
    if future.done():  # the request gave up waiting (timeout or client gone)
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


class GroupCommitWriter:
    """Owns its writer threads (each with its own database connection); `store` is awaited from any loop."""

    def __init__(self, max_batch: int = DEFAULT_MAX_BATCH) -> None:
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()

    @staticmethod
    def thread_count() -> int:
        """settings.GATEWAY_INTAKE_WRITERS, else 1 on SQLite (one write lock: more threads only queue on it)
        and 4 on PostgreSQL (its commits run side by side; the unique keys still decide duplicates)."""
        value = int(settings.GATEWAY_INTAKE_WRITERS or 0)
        return max(1, value) if value > 0 else (1 if connection.vendor == "sqlite" else 4)

    async def store(
        self,
        instance: ChannelInstance,
        messages: Sequence[InboundMessage],
        statuses: Sequence[DeliveryStatus] = (),
        *,
        timeout: float | None = None,
    ) -> intake.IntakeResult:
        """Store one delivery; returns once it is committed, raises DatabaseError when it was not."""
        loop = asyncio.get_running_loop()
        job = _Job(instance, messages, statuses, loop, loop.create_future())
        self._ensure_started()
        self._queue.put(job)
        limit = timeout if timeout is not None else float(settings.GATEWAY_INTAKE_TIMEOUT)
        try:
            return await asyncio.wait_for(job.future, limit)
        except TimeoutError:
            raise IntakeTimeout(f"intake writer did not answer within {limit:g}s") from None

    def _ensure_started(self) -> None:
        if self._threads and all(thread.is_alive() for thread in self._threads):
            return
        with self._start_lock:
            self._threads = [thread for thread in self._threads if thread.is_alive()]
            for _ in range(self.thread_count() - len(self._threads)):
                thread = threading.Thread(target=self._run, name="webhook-intake-writer", daemon=True)
                thread.start()
                self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Finish what is queued, then end the threads (tests, graceful shutdown)."""
        threads = [thread for thread in self._threads if thread.is_alive()]
        for _ in threads:
            self._queue.put(None)  # one stop mark per thread; each thread takes exactly one
        for thread in threads:
            thread.join(timeout)
        self._threads = []

    def _run(self) -> None:
        try:
            while True:
                first = self._queue.get()
                if first is None:
                    return
                batch = [first]
                stop = False
                while len(batch) < self.max_batch:
                    try:
                        job = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if job is None:
                        stop = True
                        break
                    batch.append(job)
                self.commit(batch)
                if stop:
                    return
        finally:
            connection.close()

    def commit(self, batch: list[_Job]) -> None:
        """Store `batch` in one transaction and settle every job; never raises.

        When the batch cannot commit (a constraint checked at COMMIT, such as the foreign key of an instance
        deleted a moment ago, or a lost connection), each delivery is retried in its own transaction, so
        one bad delivery costs the others nothing; whatever still fails is answered with its error.
        """
        if self._commit_together(batch) or len(batch) == 1:
            return
        for job in batch:
            job.outcome = None
            self._commit_together([job])

    def _commit_together(self, batch: list[_Job]) -> bool:
        """One transaction for `batch`; True when it committed (jobs settled), False when nothing was stored
        (jobs settled with the error only when the batch is a single job)."""

        def answer() -> None:
            self._settle_all(batch)

        try:
            with transaction.atomic():
                for job, result in zip(batch, intake.store_many(batch), strict=True):
                    job.outcome = result
                # Registered last, so it runs after the intake's hand-over callback: once a request is
                # answered, its events are already queued to the workers (tests and `wait` rely on it).
                transaction.on_commit(answer, robust=True)
        except Exception as exc:  # nothing of this batch is stored (a delivery, BEGIN or COMMIT failed)
            logger.warning("webhook intake: a batch of %d deliveries was not stored: %s", len(batch), exc)
            connection.close()  # the next attempt starts on a fresh connection
            if len(batch) == 1:
                batch[0].outcome = exc
                self._settle_all(batch)
            return False
        return True

    @staticmethod
    def _settle_all(batch: list[_Job]) -> None:
        for job in batch:
            outcome = job.outcome if job.outcome is not None else DatabaseError("delivery was not stored")
            with contextlib.suppress(RuntimeError):  # that request's event loop is gone; nobody is waiting
                job.loop.call_soon_threadsafe(_settle, job.future, outcome)


writer = GroupCommitWriter()
