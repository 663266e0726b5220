"""message / abort: queue the client's turns, run them one at a time, and send each answer to the session."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

from channels_app.realtime import broadcast, frames, groups, sessions
from channels_app.realtime.auth import WRITE
from channels_app.realtime.consumer.base import CLOSE_SLOW_CONSUMER, ConnectionBase, db, log
from channels_app.realtime.turns import TurnError, TurnInput, TurnReply, track, track_turn, turn_handler

STOP_TURN = {"/stop", "stop"}
STOP_ALL = {"/stop all", "/cancel"}


class TurnHandlers(ConnectionBase):
    """Frames that ask the agent something, and the per-connection turn queue."""

    async def on_message(self, frame: dict[str, Any]) -> None:
        if not await self.require(WRITE, "message"):
            return
        if not self.session_id:
            await self.error("no_session", "send hello (with agent_id) before messages")
            return
        content = frame.get("content")
        if isinstance(content, dict | list):
            content = json.dumps(content)
        if not isinstance(content, str) or not content.strip():
            await self.error("empty_content", "a message needs non-empty 'content'")
            return
        text = content.strip()
        if text.lower() in STOP_TURN | STOP_ALL:
            await self.abort(scope="session" if text.lower() in STOP_ALL else "turn", reason=text)
            return
        if self.turns.qsize() >= self.config.max_queued_frames:
            # hello_ok advertises max_queued_frames: a client that queues more is flooding, not waiting.
            limit = self.config.max_queued_frames
            await self.evict(CLOSE_SLOW_CONSUMER, f"more than {limit} queued turns (max_queued_frames)")
            return
        request_id = frame.get("request_id")
        request_id = str(request_id)[:128] if request_id not in (None, "") else ""
        if request_id and not await db(sessions.claim_request)(self.session_id, request_id):
            await self.send_frame(
                frames.response(
                    "duplicate",
                    "Duplicate request.",
                    self.session_id,
                    request_id=request_id,
                    cursor=self.session_cursor,
                )
            )
            return
        busy = self.current_turn is not None and not self.current_turn.done()
        if busy or not self.turns.empty():
            await self.send_frame(
                {
                    "type": "status",
                    "status": "queued",
                    "session_id": self.session_id,
                    "position": self.turns.qsize() + 1,
                }
            )
            await self.send_frame(
                frames.response(
                    "accepted",
                    "Message queued.",
                    self.session_id,
                    request_id=request_id,
                    queued=True,
                    cursor=self.session_cursor,
                )
            )
        else:
            # `cursor`: where the session stood when the message was accepted; resuming with `since` = cursor
            # replays this turn's answer if the socket drops before it arrives.
            await self.send_frame(
                frames.response("accepted", "", self.session_id, request_id=request_id, cursor=self.session_cursor)
            )
        await broadcast.apublish_event(
            "message",
            {"direction": "in", "session_id": self.session_id, "client_id": self.client_id, "content": content},
        )
        await self.turns.put(
            TurnInput(
                session_id=self.session_id,
                agent_id=self.agent_id,
                content=content,
                request_id=request_id,
                client_id=self.client_id,
                streaming="streaming" in self.caps,
                max_messages=self.config.session_max_messages,
            )
        )
        if self.turn_task is None or self.turn_task.done():
            self.turn_task = track(asyncio.create_task(self.run_turns()), self.turns)

    async def run_turns(self) -> None:
        """Run queued turns one at a time, in order. The turn running when the client drops finishes (its answer waits
        for a resume and stays in history); the ones still queued are cancelled when the connection is released."""
        while not self.turns.empty():
            turn = self.turns.get_nowait()
            self.current_turn = track_turn(asyncio.create_task(self.run_one(turn)), turn)
            with contextlib.suppress(asyncio.CancelledError):
                await self.current_turn
            self.current_turn = None

    async def run_one(self, turn: TurnInput) -> None:
        async def on_event(kind: str, data: dict[str, Any]) -> None:
            if turn.streaming:
                await self.session_frame(
                    turn.session_id, frames.event(kind, {**data, "session_id": turn.session_id}, source=turn.agent_id)
                )

        extra = {"request_id": turn.request_id} if turn.request_id else {}
        try:
            async with asyncio.timeout(self.config.turn_timeout):
                result = await turn_handler()(turn, on_event)
        except asyncio.CancelledError:
            await self.session_frame(
                turn.session_id,
                frames.response(
                    "final", "", turn.session_id, outcome=frames.outcome_error("aborted", "turn aborted"), **extra
                ),
            )
            raise
        except TimeoutError:
            outcome = frames.outcome_error("timeout", "the agent took too long", retryable=True)
            await self.session_frame(turn.session_id, frames.response("final", "", turn.session_id, outcome=outcome))
            return
        except TurnError as exc:
            outcome = frames.outcome_error(exc.code, exc.message, retryable=exc.retryable)
            content = "Agent not available" if exc.code == "agent_not_found" else ""
            await self.session_frame(
                turn.session_id, frames.response("final", content, turn.session_id, outcome=outcome, **extra)
            )
            return
        except Exception as exc:  # noqa: BLE001 - the client hears a clear error, the server keeps running
            log.exception("turn failed in session %s", turn.session_id)
            outcome = frames.outcome_error("agent_error", str(exc) or exc.__class__.__name__)
            await self.session_frame(
                turn.session_id, frames.response("final", "", turn.session_id, outcome=outcome, **extra)
            )
            return
        text, persist = (result.text, result.persist) if isinstance(result, TurnReply) else (result, None)
        if turn.streaming:
            await on_event("stream_end", {"request_id": turn.request_id})
        await broadcast.apublish_event(
            "message",
            {"direction": "out", "session_id": turn.session_id, "agent_id": turn.agent_id, "content": text},
        )
        final = frames.response(
            "final", text, turn.session_id, outcome=frames.outcome_ok(), agent_id=turn.agent_id, **extra
        )
        try:
            await self.session_frame(turn.session_id, final, before=persist)
        except Exception:  # noqa: BLE001 - the turn was answered but not stored: say so, keep the queue running
            log.exception("storing a turn failed in session %s", turn.session_id)
            outcome = frames.outcome_error("storage_error", "the reply could not be stored", retryable=True)
            await self.session_frame(
                turn.session_id, frames.response("final", "", turn.session_id, outcome=outcome, **extra)
            )

    async def session_frame(
        self, session_id: str, frame: dict[str, Any], before: Callable[[], None] | None = None
    ) -> None:
        """Stamp, keep for resume, and send to whichever connection holds the session now (any process).

        `before` is the turn's history write, stored in the same transaction (one hop on the plane's own pool).
        """
        stamped = await db(sessions.append_frame)(session_id, frame, before)
        await self.channel_layer.group_send(groups.session_group(session_id), {"type": "ws.frame", "frame": stamped})

    async def ws_frame(self, message: dict[str, Any]) -> None:
        frame = message["frame"]
        if isinstance(frame.get("cursor"), int):
            self.session_cursor = max(self.session_cursor, frame["cursor"])
        if frame.get("type", "").endswith("_stream") and "streaming" not in self.caps:
            return
        await self.send_frame(frame)

    async def on_abort(self, frame: dict[str, Any]) -> None:
        scope = frame.get("scope") if frame.get("scope") in ("turn", "session") else "turn"
        await self.abort(scope=scope, reason=str(frame.get("reason") or ""))

    async def abort(self, *, scope: str, reason: str) -> None:
        dropped = 0
        if scope == "session":
            while not self.turns.empty():
                self.turns.get_nowait()
                dropped += 1
        running = self.current_turn is not None and not self.current_turn.done()
        if running:
            self.current_turn.cancel()
        reply = "aborted" if running or dropped else "no_active_turn"
        await self.send_frame(
            {
                "type": reply,
                "scope": scope,
                "turn_aborted": running,
                "pending_cancelled": dropped,
                "reason": reason,
                "session_id": self.session_id,
            }
        )
