"""Turn handlers for tests (named by dotted path in GATEWAY_WS_TURN_HANDLER), standing in for a slow agent."""

from __future__ import annotations

import asyncio

from channels_app.realtime.turns import OnEvent, TurnInput

RELEASE: asyncio.Event | None = None


async def slow_turn(turn: TurnInput, on_event: OnEvent) -> str:
    """Waits until the test releases it (or is aborted), then echoes."""
    await asyncio.sleep(0.3 if RELEASE is None else 0)
    if RELEASE is not None:
        await RELEASE.wait()
    return f"done: {turn.content}"
