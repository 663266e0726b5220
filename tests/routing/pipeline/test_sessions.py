"""Sessions: one per (instance, chat, thread), closed after session_timeout, capped at session_max_messages."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from channels_app.models import ChannelInstance, GatewaySettings, InboundEvent
from routing.models import Session, SessionMessage
from routing.pipeline import ledger, sessions
from routing.pipeline.sessions import append_turns, conversation_lock, history, session_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance() -> ChannelInstance:
    return ChannelInstance.objects.create(name="sl", platform="slack", credentials={"token": "x"})


def test_the_same_conversation_key_gives_the_same_session(instance) -> None:
    first = session_for(instance, "sl:C1:1.0", "C1", "1.0")
    assert session_for(instance, "sl:C1:1.0", "C1", "1.0") == first
    assert session_for(instance, "sl:C1:2.0", "C1", "2.0") != first


def test_an_idle_session_is_closed_and_a_new_one_starts(instance) -> None:
    settings = GatewaySettings.load()
    settings.session_timeout = 60
    settings.save()
    old = session_for(instance, "sl:C1:", "C1", "")
    Session.objects.filter(pk=old.pk).update(last_activity_at=timezone.now() - timedelta(seconds=61))
    new = session_for(instance, "sl:C1:", "C1", "")
    assert new.pk != old.pk
    old.refresh_from_db()
    assert old.closed_at is not None and old.key != "sl:C1:"


def test_history_is_capped_at_max_messages(instance) -> None:
    settings = GatewaySettings.load()
    settings.session_max_messages = 4
    settings.save()
    session = session_for(instance, "sl:C1:", "C1", "")
    for n in range(3):
        append_turns(session, [("user", f"q{n}", {}), ("assistant", f"a{n}", {})])
    assert SessionMessage.objects.filter(session=session).count() == 4
    assert [t.content for t in history(session)] == ["q1", "a1", "q2", "a2"]


@pytest.mark.django_db(transaction=True)
def test_a_conversation_has_one_worker_at_a_time() -> None:
    results: list[bool] = []

    def other_worker(key: str) -> None:
        with conversation_lock(key) as got:
            results.append(got)
        connection.close()

    with conversation_lock("k") as first:
        for key in ("k", "other"):
            thread = threading.Thread(target=other_worker, args=(key,))
            thread.start()
            thread.join()
    other_worker("k")
    assert first and results == [False, True, True]


@pytest.mark.django_db
def test_a_long_running_server_does_not_keep_a_lock_per_conversation_it_ever_saw() -> None:
    for number in range(1000):
        with conversation_lock(f"conversation-{number}") as got:
            assert got
    assert not sessions._local_held  # the embedded server's memory follows the work in flight, not its history


@pytest.mark.django_db(transaction=True)
def test_the_lock_taken_with_an_events_key_is_that_conversations_lock(instance) -> None:
    """On PostgreSQL a worker reads the event's conversation and takes its lock in one statement: the lock must be
    the very one every other worker asks for by key (same 64-bit id, non-ASCII and long keys included)."""
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's (DATABASE_URL); SQLite's lock is process-local")
    for key in ("sl:C1:", "sl:Ünïcødé 会话:1712.5", "x" * 255):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {sessions.advisory_id_sql('%s::text')}", [key])
            assert cursor.fetchone()[0] == sessions._advisory_id(key)
    event = InboundEvent.objects.create(instance=instance, dedupe_key="d1", conversation_key="sl:Ünïcødé 会话:")
    results: list[bool] = []

    def other_worker() -> None:
        with conversation_lock("sl:Ünïcødé 会话:") as got:
            results.append(got)
        connection.close()

    key, held = ledger.conversation_key_and_lock(event.pk)
    assert (key, held) == ("sl:Ünïcødé 会话:", True)
    with conversation_lock(key, held=held) as mine:
        thread = threading.Thread(target=other_worker)
        thread.start()
        thread.join()
    thread = threading.Thread(target=other_worker)
    thread.start()
    thread.join()
    assert mine and results == [False, True]  # refused while held, free once released
    assert ledger.conversation_key_and_lock(10**9) == (None, False)
