"""Runs one listener per enabled instance that needs one: lease first, reconnect with backoff, health recorded.

`start(stop_event)` is the whole API: `rungateway` (embedded) and `manage.py run_listeners` (distributed) both call
it and set the event to stop. Every listener runs in its own thread; blocking and asyncio clients fit side by side.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connection

from channels_app.listeners import lease
from channels_app.listeners.base import FatalListenerError, Listener
from channels_app.listeners.context import ListenerContext
from channels_app.listeners.models import ListenerState
from channels_app.listeners.registry import listener_class, listener_kind
from channels_app.models import ChannelInstance

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timing:
    """Intervals in seconds; settings override them (tests use fractions of a second)."""

    reconcile: float = 5.0
    lease_ttl: float = 30.0
    renew: float = 10.0
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    fatal_retry: float = 300.0
    stop_timeout: float = 10.0

    @classmethod
    def from_settings(cls) -> Timing:
        overrides = getattr(settings, "GATEWAY_LISTENER_TIMING", {}) or {}
        return cls(**{key: float(value) for key, value in overrides.items()})


class Runner(threading.Thread):
    """Keeps one instance's listener alive for as long as the supervisor wants it."""

    def __init__(self, instance_id: int, kind: str, holder: str, timing: Timing) -> None:
        super().__init__(name=f"listener-{kind}-{instance_id}", daemon=True)
        self.instance_id = instance_id
        self.kind = kind
        self.holder = holder
        self.timing = timing
        self.halt = threading.Event()
        self.listener: Listener | None = None

    def stop(self) -> None:
        self.halt.set()
        if self.listener is not None:
            self.listener.stop()

    def run(self) -> None:
        try:
            self._keep_alive()
        except Exception:  # the runner itself must never die silently
            logger.exception("listener runner %s crashed", self.name)
        finally:
            connection.close()

    def _keep_alive(self) -> None:
        backoff = self.timing.backoff_initial
        while not self.halt.is_set():
            close_old_connections()
            instance = ChannelInstance.objects.filter(pk=self.instance_id, enabled=True).first()
            if instance is None:
                return
            context = ListenerContext(instance, self.kind, self.holder)
            listener = listener_class(self.kind)(instance, context)
            key = lease.lease_key(self.kind, listener.lease_identity())
            if not lease.acquire(key, self.holder, instance.name, self.timing.lease_ttl):
                # Another process runs this bot: standing by is what prevents Telegram 409s and double replies.
                ListenerState.objects.filter(pk=context.state.pk).update(status=ListenerState.Status.STANDBY)
                self.halt.wait(self.timing.renew)
                continue
            context.set_status(ListenerState.Status.STARTING)
            self.listener = listener
            try:
                error = self._run_leased(listener, key)
            finally:
                self.listener = None
                lease.release(key, self.holder)
            if self.halt.is_set():
                context.set_status(ListenerState.Status.STOPPED, holder="")
                return
            if isinstance(error, FatalListenerError):
                logger.error("listener %s for %s failed: %s", self.kind, instance.name, error)
                context.record_error(str(error), status=ListenerState.Status.FAILED)
                self.halt.wait(self.timing.fatal_retry)
                continue
            reason = str(error) if error else "connection ended"
            if error is not None:
                logger.warning(
                    "listener %s for %s: %s; reconnecting in %.1fs", self.kind, instance.name, reason, backoff
                )
            context.record_error(reason)
            self.halt.wait(backoff * random.uniform(0.8, 1.2))
            state = ListenerState.objects.filter(pk=context.state.pk).values("connected_at", "last_error_at").first()
            # A connection that came up before failing earns a fresh backoff; a crash loop keeps doubling it.
            came_up = (
                state
                and state["connected_at"]
                and state["last_error_at"]
                and state["connected_at"] > (state["last_error_at"])
            )
            backoff = self.timing.backoff_initial if came_up else min(backoff * 2, self.timing.backoff_max)

    def _run_leased(self, listener: Listener, key: str) -> BaseException | None:
        """Run the listener in a worker thread while this thread renews the lease; returns what ended it."""
        outcome: list[BaseException | None] = [None]

        def work() -> None:
            try:
                listener.run()
            except BaseException as exc:  # reported to the runner, which decides between backoff and failure
                outcome[0] = exc
            finally:
                connection.close()

        worker = threading.Thread(target=work, name=f"{self.name}-io", daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(self.timing.renew)
            if not worker.is_alive():
                break
            if self.halt.is_set():
                listener.stop()
                worker.join(self.timing.stop_timeout)
                break
            if not lease.renew(key, self.holder, self.timing.lease_ttl):
                outcome[0] = RuntimeError("lease lost to another process")
                listener.stop()
                worker.join(self.timing.stop_timeout)
                break
        return outcome[0]


class Supervisor:
    """Reconciles running listeners with the enabled instances until the stop event is set."""

    def __init__(
        self, stop_event: threading.Event, *, holder: str | None = None, only: list[str] | None = None
    ) -> None:
        self.stop_event = stop_event
        self.holder = holder or lease.PROCESS_ID
        self.only = set(only or [])
        self.timing = Timing.from_settings()
        self.runners: dict[int, tuple[Runner, tuple[str, object]]] = {}
        self.thread = threading.Thread(target=self._loop, name="listener-supervisor", daemon=True)

    def start(self) -> Supervisor:
        self.thread.start()
        return self

    def join(self, timeout: float | None = None) -> None:
        self.thread.join(timeout)

    def _loop(self) -> None:
        try:
            while not self.stop_event.is_set():
                try:
                    self.reconcile()
                except Exception:  # a database hiccup must not end supervision
                    logger.exception("listener reconcile failed")
                self.stop_event.wait(self.timing.reconcile)
        finally:
            self._stop_all()
            connection.close()

    def reconcile(self) -> None:
        """Start listeners for new or changed instances, stop those for removed or disabled ones."""
        close_old_connections()
        wanted: dict[int, tuple[str, object]] = {}
        for instance in ChannelInstance.objects.filter(enabled=True):
            if self.only and instance.name not in self.only:
                continue
            kind = listener_kind(instance)
            if kind:
                wanted[instance.pk] = (kind, instance.updated_at)
        for pk, (runner, signature) in list(self.runners.items()):
            if wanted.get(pk) != signature or not runner.is_alive():
                runner.stop()
                runner.join(self.timing.stop_timeout)
                del self.runners[pk]
        for pk, signature in wanted.items():
            if pk not in self.runners:
                runner = Runner(pk, str(signature[0]), self.holder, self.timing)
                self.runners[pk] = (runner, signature)
                runner.start()

    def _stop_all(self) -> None:
        runners = [runner for runner, _ in self.runners.values()]
        for runner in runners:
            runner.stop()
        for runner in runners:
            runner.join(self.timing.stop_timeout)
        self.runners.clear()


def start(stop_event: threading.Event, *, only: list[str] | None = None) -> Supervisor:
    """Start supervising listeners in background threads; set `stop_event` to stop them, then `join()`."""
    return Supervisor(stop_event, only=only).start()
