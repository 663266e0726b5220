"""`manage.py run_listeners`: runs the supervisor until SIGTERM, and prints listener health with --status."""

from __future__ import annotations

import io
import json
import os
import signal
import threading

import pytest
from django.core.management import call_command

from channels_app.listeners.models import ListenerState
from channels_app.models import ChannelInstance
from tests.channels_app.listeners.conftest import wait_for
from tests.fakes.fake_telegram_poll import FakeTelegramPoll


@pytest.mark.django_db
def test_status_prints_listener_health_as_json(capsys):
    instance = ChannelInstance.objects.create(name="tg", platform="telegram", options={"mode": "poll"})
    ListenerState.objects.create(instance=instance, kind="telegram_poll", status="running", last_error="boom")
    call_command("run_listeners", "--status")
    [row] = json.loads(capsys.readouterr().out)
    assert (row["instance"], row["status"], row["last_error"]) == ("tg", "running", "boom")


@pytest.mark.django_db(transaction=True)
def test_the_command_polls_until_sigterm_and_then_stops_cleanly(fast_listeners):
    fast_listeners.GATEWAY_DISPATCH = "off"  # this test is about the listener process, not the replies
    with FakeTelegramPoll() as fake:
        ChannelInstance.objects.create(
            name="tg",
            platform="telegram",
            credentials={"token": fake.token},
            options={"mode": "poll", "poll_timeout": 0},
            api_base_url=fake.url,
        )
        fake.push(
            {
                "update_id": 5,
                "message": {
                    "message_id": 1,
                    "date": 1,
                    "chat": {"id": 42, "type": "private"},
                    "from": {"id": 42, "first_name": "A"},
                    "text": "hi",
                },
            }
        )

        def terminate_when_confirmed() -> None:
            wait_for(lambda: 6 in fake.offsets, what="offset confirmed")
            os.kill(os.getpid(), signal.SIGTERM)

        killer = threading.Thread(target=terminate_when_confirmed, daemon=True)
        killer.start()
        out = io.StringIO()
        call_command("run_listeners", stdout=out)
        killer.join(5)
    assert "listeners stopped" in out.getvalue()
    assert ListenerState.objects.get().status == "stopped"
