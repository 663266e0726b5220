"""No token reaches a log line: query tokens in logged requests, bot tokens in urllib3's DEBUG lines, in the text and
JSON formats and in handlers we do not configure ourselves."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from django.test import Client

from channels_app.adapters.base import Target
from channels_app.adapters.registry import get_adapter
from channels_app.models import ChannelInstance
from gatewaysite.logging import JsonFormatter, RedactingFormatter
from tests.fakes.fake_telegram import FakeTelegram

pytestmark = pytest.mark.django_db

QUERY_TOKEN = "gw_Q7kz0rF3mZr9yTnVbC2pLxHs"
BOT_TOKEN = "7000000001:AAsecret-bot-token_XYZ"


@pytest.fixture(params=["json", "text"])
def log_output(request) -> Iterator[io.StringIO]:
    """A handler with the gateway's own formatter on the root logger, urllib3 at DEBUG as LOG_LEVEL=DEBUG has it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if request.param == "json" else RedactingFormatter("%(name)s %(message)s"))
    root, urllib3_log = logging.getLogger(), logging.getLogger("urllib3")
    old_levels = (root.level, urllib3_log.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    urllib3_log.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_levels[0])
    urllib3_log.setLevel(old_levels[1])


def test_a_4xx_with_a_query_token_is_logged_without_the_token(log_output: io.StringIO) -> None:
    response = Client().get(f"/api/v1/agents/?token={QUERY_TOKEN}")
    assert response.status_code in (401, 403)
    logged = log_output.getvalue()
    assert "/api/v1/agents/" in logged  # the request was logged...
    assert QUERY_TOKEN not in logged  # ...without its token


def test_urllib3_debug_lines_never_show_the_telegram_bot_token(log_output: io.StringIO, caplog) -> None:
    with FakeTelegram(BOT_TOKEN) as fake:
        instance = ChannelInstance.objects.create(
            name="tg", platform="telegram", credentials={"token": BOT_TOKEN}, api_base_url=fake.url
        )
        with caplog.at_level(logging.DEBUG, logger="urllib3"):
            get_adapter(instance).send("hello", Target(chat_id="42"))
    logged = log_output.getvalue()
    assert "sendMessage" in logged  # urllib3 logged the call...
    assert BOT_TOKEN not in logged and BOT_TOKEN.split(":")[1] not in logged  # ...without the token
    assert BOT_TOKEN not in caplog.text  # and so does a handler we did not configure (pytest's)
