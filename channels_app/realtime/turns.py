"""The seam between the WebSocket plane and whoever answers: channels_app never imports routing or agents_app.

settings.GATEWAY_WS_TURN_HANDLER names an async callable `(TurnInput, on_event) -> str | TurnReply` (the reply text,
or the text plus the history write to run in the same database hop as the final frame) and
settings.GATEWAY_WS_AGENT_RESOLVER an async callable `(agent_id) -> str | None` (the agent's name, None if unknown).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

OnEvent = Callable[[str, dict[str, Any]], Awaitable[None]]
TurnHandler = Callable[["TurnInput", OnEvent], Awaitable["str | TurnReply"]]
AgentResolver = Callable[[str], Awaitable[str | None]]


@dataclass(frozen=True, slots=True)
class TurnInput:
    """One user message of one WebSocket session, as handed to the turn handler."""

    session_id: str
    agent_id: str
    content: str
    request_id: str = ""
    client_id: str = ""
    streaming: bool = False
    max_messages: int = 1000


@dataclass(frozen=True, slots=True)
class TurnReply:
    """A reply whose recording is deferred: `persist` (sync, no arguments) runs inside the transaction that stores
    the final `response` frame, so one turn's writes cost one database hop instead of two."""

    text: str
    persist: Callable[[], None] | None = None


class TurnError(Exception):
    """A turn that could not produce an answer; becomes `response`/`final` with outcome error."""

    def __init__(self, code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable


# Every WebSocket turn queue running in this process. A turn outlives its socket (the answer waits in the session's
# replay buffer for the client to resume), so a graceful shutdown waits for these, not only for the connections.
_in_flight: set[asyncio.Task[Any]] = set()


# Each connection's queue of accepted turns not yet started, keyed by the task that runs them in order.
_queues: dict[asyncio.Task[Any], asyncio.Queue[TurnInput]] = {}
_stopping = False


def begin_stop() -> None:
    """The server is stopping: a connection closed now (1001) keeps its queued turns, to be finished within the
    shutdown timeout or handed over, whereas a client that leaves on its own still cancels them."""
    global _stopping
    _stopping = True


def server_stopping() -> bool:
    return _stopping


def track(task: asyncio.Task[Any], queue: asyncio.Queue[TurnInput] | None = None) -> asyncio.Task[Any]:
    """Count `task` as in-flight WebSocket turn work until it ends; `queue` holds the turns it has yet to start."""
    _in_flight.add(task)
    task.add_done_callback(_in_flight.discard)
    if queue is not None:
        _queues[task] = queue
        task.add_done_callback(lambda done: _queues.pop(done, None))
    return task


# The turn each running WebSocket turn task is answering: what a stop that runs out of time hands over.
_running: dict[asyncio.Task[Any], TurnInput] = {}


def track_turn(task: asyncio.Task[Any], turn: TurnInput) -> asyncio.Task[Any]:
    """Remember that `task` answers `turn` until it ends (see unfinished_turns)."""
    _running[task] = turn
    task.add_done_callback(lambda done: _running.pop(done, None))
    return task


def unfinished_turns() -> list[TurnInput]:
    """The accepted turns not answered yet in this process: the running ones, then the queued ones in their order
    (so each conversation's turns are handed over, and answered after a restart, in the order they were sent)."""
    running = [turn for task, turn in list(_running.items()) if not task.done()]
    # asyncio.Queue has no peek; its deque is the documented-in-source storage and is only read here.
    queued = [turn for task, queue in list(_queues.items()) if not task.done() for turn in list(queue._queue)]
    return running + queued


def turns_in_flight() -> int:
    """How many WebSocket turn queues are still running (the server waits for them on SIGTERM)."""
    return sum(1 for task in list(_in_flight) if not task.done())


@cache
def _load(path: str) -> Any:
    return import_string(path)


def turn_handler() -> TurnHandler:
    return _load(getattr(settings, "GATEWAY_WS_TURN_HANDLER", "routing.pipeline.websocket.run_turn"))


def agent_resolver() -> AgentResolver:
    return _load(getattr(settings, "GATEWAY_WS_AGENT_RESOLVER", "routing.pipeline.websocket.resolve_agent"))
