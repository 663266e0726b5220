"""Turn handlers for tests (named by dotted path in GATEWAY_WS_TURN_HANDLER), standing in for a slow agent."""

from __future__ import annotations

import asyncio

from channels_app.realtime.turns import OnEvent, TurnInput, TurnReply

RELEASE: asyncio.Event | None = None


async def slow_turn(turn: TurnInput, on_event: OnEvent) -> str:
    """Waits until the test releases it (or is aborted), then echoes."""
    await asyncio.sleep(0.3 if RELEASE is None else 0)
    if RELEASE is not None:
        await RELEASE.wait()
    return f"done: {turn.content}"


async def unstorable_turn(turn: TurnInput, on_event: OnEvent) -> TurnReply:
    """Answers, but its history write fails after writing a probe row (which must be rolled back with the frame)."""

    def persist() -> None:
        from routing.models import Session

        Session.objects.create(key=f"probe:{turn.session_id}", kind=Session.Kind.WEBSOCKET)
        raise RuntimeError("disk full")

    return TurnReply(f"lost: {turn.content}", persist)


STARTED: list[str] = []


async def counted_turn(turn: TurnInput, on_event: OnEvent) -> str:
    """Records that it started, then takes a while: shows which queued turns ever ran."""
    STARTED.append(turn.content)
    await asyncio.sleep(0.5)
    return f"done: {turn.content}"
