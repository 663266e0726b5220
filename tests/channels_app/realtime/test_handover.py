"""WebSocket turns handed over by a stop that ran out of time: the next start answers each once, into the session's
replay buffer, and never answers one that finished after all (the process test covers the real SIGTERM)."""

from __future__ import annotations

import asyncio
from typing import Any

from django.utils import timezone

from channels_app.realtime import sessions
from channels_app.realtime.handover import _pending, hand_over, resume_handed_over
from channels_app.realtime.models import HandedOverTurn, SessionFrame, WsSession
from channels_app.realtime.turns import TurnInput


def _session() -> WsSession:
    return WsSession.objects.create(session_id="s-handover", agent_id="helper", last_activity_at=timezone.now())


def _finals() -> list[dict[str, Any]]:
    frames = SessionFrame.objects.filter(session__session_id="s-handover").order_by("seq")
    return [f.frame for f in frames if f.frame.get("status") == "final"]


def test_a_handed_over_turn_is_answered_once_into_the_replay_buffer(gateway: Any) -> None:
    _session()
    turn = TurnInput(session_id="s-handover", agent_id="helper", content="still there?", request_id="r-9")
    assert hand_over([turn]) == 1

    assert asyncio.run(resume_handed_over()) == 1
    assert asyncio.run(resume_handed_over()) == 0

    [final] = _finals()
    assert (final["request_id"], final["outcome"]["status"]) == ("r-9", "ok")
    assert "still there?" in final["content"]
    assert not HandedOverTurn.objects.exists()


def test_a_turn_that_finished_in_the_last_moment_of_the_stop_is_not_answered_again(gateway: Any) -> None:
    _session()
    sessions.append_frame("s-handover", {"type": "response", "status": "final", "content": "done", "request_id": "r-9"})
    hand_over([TurnInput(session_id="s-handover", agent_id="helper", content="still there?", request_id="r-9")])

    assert asyncio.run(resume_handed_over()) == 0
    assert [f["content"] for f in _finals()] == ["done"]
    assert not HandedOverTurn.objects.exists()


def test_a_turn_of_a_session_that_no_longer_exists_is_not_kept(gateway: Any) -> None:
    assert hand_over([TurnInput(session_id="gone", agent_id="helper", content="hi")]) == 0


def test_a_stop_during_a_resumed_turn_gives_it_back_for_the_next_start(gateway: Any) -> None:
    _session()
    hand_over([TurnInput(session_id="s-handover", agent_id="helper", content="still there?", request_id="r-9")])
    rows, _ = _pending()  # this start took the turn and is stopped before answering it
    assert len(rows) == 1 and HandedOverTurn.objects.get().claimed_at is not None

    hand_over([])  # the stop ran out of time again

    assert HandedOverTurn.objects.get().claimed_at is None
    assert asyncio.run(resume_handed_over()) == 1
    assert [f["request_id"] for f in _finals()] == ["r-9"]
