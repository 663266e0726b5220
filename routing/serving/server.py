"""Daphne, in-process, with a graceful stop: stop accepting, close WebSockets, let requests and work finish.

`daphne.server` must be imported before anything imports the Twisted reactor (it installs the asyncio reactor),
so callers import this module first thing.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Callable
from urllib.parse import unquote

import daphne.server  # noqa: I001 - installs the asyncio reactor; must come before twisted.internet.reactor
from autobahn.websocket.types import ConnectionDeny
from daphne.ws_protocol import WebSocketProtocol
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from twisted.internet import reactor, threads

from channels_app.realtime.close_codes import SLOW_CONSUMER
from channels_app.realtime.limits import max_buffered_bytes
from channels_app.realtime.turns import begin_stop, track, turns_in_flight, unfinished_turns
from channels_app.ws_urls import is_websocket_path
from routing.serving.background import BackgroundServices

log = logging.getLogger(__name__)

# Daphne (autobahn) closes a frame or message over its own limit with 1009 before the application sees it, and its
# default is 1 MiB: the same as the consumer's max_payload, so an oversized frame would drop the socket instead of
# getting the consumer's `payload_too_large` error frame. Daphne accepts up to this much; the consumer's limit answers.
WEBSOCKET_MAX_MESSAGE_SIZE = 16 * 1024 * 1024


class KnownPathsWebSocketProtocol(WebSocketProtocol):
    """Refuses a WebSocket handshake to a path no consumer serves with 404, before the application is involved."""

    def onConnect(self, request: object) -> object:  # noqa: N802 - autobahn's name
        if not is_websocket_path(unquote(request.path)):  # type: ignore[attr-defined]
            self.refused = True
            raise ConnectionDeny(404, "Not Found")
        return super().onConnect(request)

    def onClose(self, wasClean: bool, code: int, reason: str) -> None:  # noqa: N802, N803 - autobahn's names
        if getattr(self, "refused", False):
            return  # never registered with the server: nothing to tell the application
        super().onClose(wasClean, code, reason)

    def serverSend(self, content: str | bytes, binary: bool = False) -> None:  # noqa: N802 - daphne's name
        """Write a frame unless the client stopped reading: over GATEWAY_WS_MAX_BUFFERED_BYTES waiting in this
        socket's send buffer, the connection is closed with 1013 and nothing more is buffered for it."""
        if getattr(self, "evicted", False):
            return
        if buffered_bytes(self.transport) > self.buffer_limit():
            self.evicted = True
            log.warning("closing WebSocket %s: it stopped reading (send buffer over the bound)", self.client_addr)
            self.sendClose(code=SLOW_CONSUMER, reason="slow consumer: the send buffer is full")
            return
        super().serverSend(content, binary)

    def buffer_limit(self) -> int:
        limit = getattr(self, "_buffer_limit", None)
        if limit is None:
            limit = self._buffer_limit = max_buffered_bytes()
        return limit


def buffered_bytes(transport: object) -> int:
    """Bytes Twisted holds for a TCP transport that the kernel has not taken yet (0 when it cannot tell)."""
    data = getattr(transport, "dataBuffer", b"")
    offset = getattr(transport, "offset", 0)
    pending = getattr(transport, "_tempDataLen", 0)
    return max(len(data) - offset, 0) + int(pending or 0)


class GatewayServer(daphne.server.Server):
    """Daphne's Server that remembers its listening ports so a shutdown can stop accepting first."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.ports: list = []

    def listen_success(self, port: object) -> None:
        self.ports.append(port)
        super().listen_success(port)


def _hand_over(turns: list) -> None:
    from django.db import connections

    from channels_app.realtime.handover import hand_over

    try:
        log.warning("%s WebSocket turn(s) handed over; they are answered once on the next start", hand_over(turns))
    finally:
        connections.close_all()


class GracefulGateway:
    """Runs the ASGI app under Daphne with the background services, until SIGTERM/SIGINT and a bounded drain."""

    def __init__(
        self,
        application: Callable,
        endpoint: str,
        background: BackgroundServices,
        *,
        shutdown_timeout: float = 10.0,
        on_ready: Callable[[list[tuple[str, int]]], None] | None = None,
    ) -> None:
        self.background = background
        self.shutdown_timeout = shutdown_timeout
        self.on_ready = on_ready
        self.stopping = False
        self.clean = True
        # Admin and other static files are served from the app's finders: no separate web server needed.
        self.server = GatewayServer(
            ASGIStaticFilesHandler(application),
            endpoints=[endpoint],
            signal_handlers=False,
            ready_callable=self._ready,
            application_close_timeout=shutdown_timeout,
            websocket_max_message_size=WEBSOCKET_MAX_MESSAGE_SIZE,
            websocket_max_frame_size=WEBSOCKET_MAX_MESSAGE_SIZE,
        )

    def run(self) -> bool:
        """Serve until stopped; True when the stop finished all in-flight work."""
        signal.signal(signal.SIGTERM, self._signal)
        signal.signal(signal.SIGINT, self._signal)
        # The WebSocket factory exists once run() starts and before any connection is served.
        reactor.callWhenRunning(self._refuse_unknown_websocket_paths)
        reactor.callWhenRunning(self._answer_handed_over_turns)
        self.background.start()
        self.server.run()
        return self.clean

    def _answer_handed_over_turns(self) -> None:
        """WebSocket turns the last stop handed over are answered once, in the server's loop (where the channel
        layer lives), and count as in-flight turns should this process be stopped too."""
        from channels_app.realtime.handover import resume_handed_over

        async def answer() -> None:
            try:
                await resume_handed_over()
            except Exception:  # the server keeps serving; the rows stay for the next start
                log.exception("answering handed-over WebSocket turns failed")

        track(asyncio.ensure_future(answer()))

    def _refuse_unknown_websocket_paths(self) -> None:
        self.server.ws_factory.protocol = KnownPathsWebSocketProtocol

    def _ready(self) -> None:
        reactor.callLater(0, self._announce)

    def _announce(self) -> None:
        if not self.server.ports and not self.server.abort_start:
            reactor.callLater(0.05, self._announce)
            return
        if self.on_ready:
            self.on_ready(list(self.server.listening_addresses))

    def _signal(self, signum: int, frame: object) -> None:
        reactor.callFromThread(self.shutdown, signal.Signals(signum).name)

    def shutdown(self, reason: str = "stop") -> None:
        """Begin the graceful stop (a second call stops at once)."""
        if self.stopping:
            log.warning("second %s: stopping now", reason)
            self._stop_reactor()
            return
        self.stopping = True
        log.info(
            "%s: no longer accepting connections; finishing in-flight work (up to %ss)", reason, self.shutdown_timeout
        )
        for port in self.server.ports:
            port.stopListening()
        begin_stop()  # sockets closed below keep their queued turns: finished in time or handed over, never dropped
        self._close_websockets()
        deadline = time.monotonic() + self.shutdown_timeout
        reactor.callLater(self.shutdown_timeout + 1.0, self._stop_reactor)  # the hard bound
        background = threads.deferToThread(self.background.stop, self.shutdown_timeout)
        background.addCallbacks(self._background_stopped, self._background_failed)
        background.addBoth(lambda _: self._wait_for_requests(deadline))

    def _close_websockets(self) -> None:
        for protocol in list(getattr(self.server, "connections", {})):
            close = getattr(protocol, "serverClose", None)
            if close is not None:
                try:
                    close(code=1001)  # 1001 going away: clients reconnect to another server
                except Exception:
                    log.debug("closing a WebSocket failed", exc_info=True)

    def _background_stopped(self, clean: bool) -> None:
        self.clean &= bool(clean)

    def _background_failed(self, failure: object) -> None:
        self.clean = False
        log.error("stopping background work failed: %s", failure)

    def _requests_in_flight(self) -> int:
        # WebSocket turns run on after their socket closed (1001): each is finished, its answer stored in the
        # session's replay buffer, and a client that resumes after the restart gets it once.
        busy = turns_in_flight()
        for details in getattr(self.server, "connections", {}).values():
            task = details.get("application_instance")
            if task is not None and not task.done() and "disconnected" not in details:
                busy += 1
        return busy

    def _wait_for_requests(self, deadline: float) -> None:
        if self._requests_in_flight() and time.monotonic() < deadline:
            reactor.callLater(0.05, self._wait_for_requests, deadline)
            return
        if self._requests_in_flight():
            self.clean = False
        turns = unfinished_turns()
        if not turns and not turns_in_flight():
            self._stop_reactor()
            return
        # Out of time with WebSocket turns still running (or handed-over ones this start was answering): store them
        # (off the reactor thread, it is a database write) so the next start answers each once; the hard bound above
        # still ends the stop.
        handed = threads.deferToThread(_hand_over, turns)
        handed.addErrback(lambda failure: log.error("handing over unfinished WebSocket turns failed: %s", failure))
        handed.addBoth(lambda _: self._stop_reactor())

    def _stop_reactor(self) -> None:
        if reactor.running:
            reactor.stop()
