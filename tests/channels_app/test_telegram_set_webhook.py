"""`manage.py telegram_set_webhook` calls setWebhook with the instance's secret token."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from tests.channels_app.support import TELEGRAM_SECRET


def test_it_registers_the_url_with_the_secret_token(make_instance, fake_telegram) -> None:
    instance = make_instance("telegram", fake_telegram.url)
    call_command("telegram_set_webhook", instance.name, "https://gw.example.com/webhooks/telegram-main/")
    [request] = fake_telegram.received("/setWebhook")
    assert request.json["url"] == "https://gw.example.com/webhooks/telegram-main/"
    assert request.json["secret_token"] == TELEGRAM_SECRET


def test_it_refuses_a_plain_http_url_and_an_unknown_instance(make_instance, fake_telegram) -> None:
    instance = make_instance("telegram", fake_telegram.url)
    with pytest.raises(CommandError):
        call_command("telegram_set_webhook", instance.name, "http://insecure.example/")
    with pytest.raises(CommandError):
        call_command("telegram_set_webhook", "missing", "https://gw.example.com/")
    assert fake_telegram.requests == []
