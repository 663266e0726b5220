from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from channels_app.listeners import registry, supervisor
from channels_app.listeners.base import FatalListenerError, Listener
from channels_app.listeners.health import listener_health
from channels_app.listeners.models import ListenerState
from channels_app.models import ChannelInstance

pytestmark = pytest.mark.django_db(transaction=True)

FAST = {
    "reconcile": 0.05,
    "lease_ttl": 1.0,
    "renew": 0.05,
    "backoff_initial": 0.05,
    "backoff_max": 0.2,
    "fatal_retry": 30,
    "stop_timeout": 2,
}


class ScriptedListener(Listener):
    """Runs a script of outcomes, one per connection: 'ok' stays connected, 'error'/'fatal' raise."""

    kind = "telegram_poll"
    script: list[str] = []
    runs: list[str] = []

    def run(self) -> None:
        outcome = self.script.pop(0) if self.script else "ok"
        ScriptedListener.runs.append(self.context.holder)
        if outcome == "error":
            raise ConnectionError("server went away")
        if outcome == "fatal":
            raise FatalListenerError("bad token")
        self.context.connected()
        self.stopping.wait()


@pytest.fixture
def scripted(settings, monkeypatch) -> Iterator[type[ScriptedListener]]:
    settings.GATEWAY_LISTENER_TIMING = FAST
    monkeypatch.setitem(registry.LISTENERS, "telegram_poll", f"{__name__}.ScriptedListener")
    ScriptedListener.script = []
    ScriptedListener.runs = []
    yield ScriptedListener


def make_instance(name: str = "tg-poll", **options: object) -> ChannelInstance:
    return ChannelInstance.objects.create(
        name=name, platform="telegram", credentials={"token": "123:abc"}, options={"mode": "poll", **options}
    )


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def state(name: str) -> ListenerState:
    return ListenerState.objects.get(instance__name=name)


def status(name: str) -> str:
    row = ListenerState.objects.filter(instance__name=name).first()
    return row.status if row else ""


def test_it_starts_a_listener_only_for_instances_that_need_one(scripted):
    make_instance()
    ChannelInstance.objects.create(
        name="tg-hook",
        platform="telegram",
        credentials={"token": "9:x", "secret_token": "s"},
        options={"mode": "webhook"},
    )
    stop = threading.Event()
    sup = supervisor.start(stop)
    try:
        wait_for(lambda: ListenerState.objects.filter(status="running").exists())
        assert [s.instance.name for s in ListenerState.objects.all()] == ["tg-poll"]
    finally:
        stop.set()
        sup.join(5)
    assert status("tg-poll") == "stopped"


def test_it_reconnects_after_an_error_and_records_it(scripted):
    scripted.script = ["error", "error", "ok"]
    make_instance()
    stop = threading.Event()
    sup = supervisor.start(stop)
    try:
        wait_for(lambda: status("tg-poll") == "running")
        row = state("tg-poll")
        assert row.restarts == 2
        assert "server went away" in row.last_error
        assert "server went away" in ChannelInstance.objects.get(name="tg-poll").last_error
    finally:
        stop.set()
        sup.join(5)


def test_a_fatal_error_marks_the_listener_failed_instead_of_looping(scripted):
    scripted.script = ["fatal"]
    make_instance()
    stop = threading.Event()
    sup = supervisor.start(stop)
    try:
        wait_for(lambda: status("tg-poll") == "failed")
        time.sleep(0.3)
        assert len(scripted.runs) == 1
        health = listener_health()
        assert health[0]["healthy"] is False and health[0]["last_error"] == "bad token"
    finally:
        stop.set()
        sup.join(5)


def test_a_second_process_stands_by_until_the_first_lets_go(scripted):
    make_instance()
    stop_a, stop_b = threading.Event(), threading.Event()
    first = supervisor.Supervisor(stop_a, holder="host:1:a").start()
    second = supervisor.Supervisor(stop_b, holder="host:2:b")
    try:
        wait_for(lambda: status("tg-poll") == "running")
        second.start()
        time.sleep(0.4)
        assert scripted.runs == ["host:1:a"]  # the second never ran the listener alongside the first
        stop_a.set()
        first.join(5)
        wait_for(lambda: scripted.runs[-1:] == ["host:2:b"] and status("tg-poll") == "running")
    finally:
        stop_a.set()
        stop_b.set()
        first.join(5)
        if second.thread.is_alive():
            second.join(5)


def test_disabling_an_instance_stops_its_listener(scripted):
    instance = make_instance()
    stop = threading.Event()
    sup = supervisor.start(stop)
    try:
        wait_for(lambda: status("tg-poll") == "running")
        instance.enabled = False
        instance.save()
        wait_for(lambda: status("tg-poll") == "stopped")
    finally:
        stop.set()
        sup.join(5)
