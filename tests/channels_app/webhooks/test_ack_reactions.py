"""A delivered Telegram message with ack_emoji configured gets the ack while the agent works and the done reaction
after the answer is sent — through the real webhook URL, the pipeline and the fake Telegram server."""

from __future__ import annotations

import pytest

from tests.channels_app.support import body_of, django_headers, fixture, telegram_headers

pytestmark = pytest.mark.usefixtures("fast_pipeline")


def deliver(client, instance) -> None:
    body = body_of(fixture("telegram", "update__private_text"))
    response = client.post(
        f"/webhooks/{instance.name}/", body, content_type="application/json", **django_headers(telegram_headers())
    )
    assert response.status_code == 200


def test_the_ack_goes_on_before_the_answer_and_the_done_reaction_replaces_it(
    client, make_instance, fake_telegram, idle
) -> None:
    instance = make_instance("telegram", fake_telegram.url, ack_emoji="👀", done_emoji="👍", ack_scope="direct")
    deliver(client, instance)
    idle()
    calls = [r.path.rsplit("/", 1)[-1] for r in fake_telegram.requests if not r.path.endswith("sendChatAction")]
    assert calls == ["setMessageReaction", "sendMessage", "setMessageReaction"]
    assert fake_telegram.reactions() == [(18, ["👀"]), (18, ["👍"])]


def test_without_ack_emoji_the_pipeline_makes_no_reaction_call(client, make_instance, fake_telegram, idle) -> None:
    instance = make_instance("telegram", fake_telegram.url)
    deliver(client, instance)
    idle()
    assert len(fake_telegram.messages()) == 1
    assert fake_telegram.received("/setMessageReaction") == []
