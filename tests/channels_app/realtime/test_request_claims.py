"""A request_id is claimed once per session, in one statement; a session that is gone never blocks a turn."""

from __future__ import annotations

import pytest

from channels_app.realtime import sessions
from channels_app.realtime.config import load_config

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_first_claim_wins_and_a_repeat_is_refused_per_session(gateway) -> None:
    config = load_config()
    one = sessions.open_session(
        session_id=None, agent_id="helper", client_id="", token_name="t", since=0, config=config
    )
    two = sessions.open_session(
        session_id=None, agent_id="helper", client_id="", token_name="t", since=0, config=config
    )
    assert sessions.claim_request(one.session.session_id, "r-1") is True
    assert sessions.claim_request(one.session.session_id, "r-1") is False
    assert sessions.claim_request(two.session.session_id, "r-1") is True  # another session, its own ids


def test_a_session_that_no_longer_exists_lets_the_turn_run(gateway) -> None:
    assert sessions.claim_request("gone", "r-1") is True
    assert sessions.claim_request("gone", "r-1") is True
