"""Platform rules the parsers encode: contexts, threads, mentions, echoes, batches, statuses."""

from __future__ import annotations

import pytest

from channels_app.adapters import HandshakeRefused, MalformedPayload
from tests.channels_app.support import fixture


def test_slack_app_mention_has_the_mention_stripped_and_a_thread(make_adapter) -> None:
    [m] = make_adapter("slack").parse(fixture("slack", "app_mention__channel"), {})
    assert m.text == "what's the status of ticket #42?"
    assert m.context == "channel" and m.mentioned
    assert m.thread_id == "1767225800.000400"
    assert m.message_key == "msg:T0ACME0001:C0GENERAL01:1767225800.000400"


def test_slack_dm_text_is_unescaped_and_links_spelled_out(make_adapter) -> None:
    [m] = make_adapter("slack").parse(fixture("slack", "message__im"), {})
    assert m.text == "Can you summarise the Q3 report (https://example.com/q3)? Budget is <$5k & due Friday."
    assert m.context == "dm" and m.thread_id == ""


def test_slack_thread_reply_keeps_the_parent_thread(make_adapter) -> None:
    [m] = make_adapter("slack").parse(fixture("slack", "message__channel_thread_reply"), {})
    assert m.thread_id == "1767225000.000050" and m.mentioned


def test_slack_mpim_is_a_group_and_message_changed_is_ignored(make_adapter) -> None:
    adapter = make_adapter("slack")
    assert adapter.parse(fixture("slack", "message__mpim"), {})[0].context == "group"
    [changed] = adapter.parse(fixture("slack", "message__changed"), {})
    assert changed.ignore_reason


def test_slack_own_bot_messages_are_echoes(make_adapter) -> None:
    payload = fixture("slack", "message__im")
    payload["event"].update(user="U0GWBOT001", bot_id="B0GWBOT001")
    assert make_adapter("slack").parse(payload, {})[0].is_bot_echo


def test_slack_url_verification_echoes_the_challenge(make_adapter) -> None:
    payload = fixture("slack", "url_verification__challenge")
    reply = make_adapter("slack").handshake(payload)
    assert reply is not None and reply.body == payload["challenge"]


def test_whatsapp_batches_give_one_message_each(make_adapter) -> None:
    payload = fixture("whatsapp", "messages__text")
    second = fixture("whatsapp", "messages__reply_with_context")
    payload["entry"][0]["changes"].append(second["entry"][0]["changes"][0])
    messages = make_adapter("whatsapp").parse(payload, {})
    assert [m.text for m in messages] == ["Hola! ¿Puedes resumir el informe Q3? 😀", "and the Q4 numbers?"]
    assert {m.context for m in messages} == {"dm"}


def test_whatsapp_statuses_are_receipts_not_messages(make_adapter) -> None:
    adapter = make_adapter("whatsapp")
    payload = fixture("whatsapp", "statuses__failed_outside_window")
    assert adapter.parse(payload, {}) == []
    [status] = adapter.parse_statuses(payload)
    assert status.status == "failed" and status.error_code == "131047"


def test_whatsapp_foreign_phone_number_is_dropped(make_adapter) -> None:
    payload = fixture("whatsapp", "messages__text")
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    assert make_adapter("whatsapp").parse(payload, {}) == []


def test_whatsapp_get_verification(make_adapter) -> None:
    adapter = make_adapter("whatsapp")
    query = fixture("whatsapp", "verify__get")["request"]["query"]
    assert adapter.verify_get(query).body == "1158201444"
    with pytest.raises(HandshakeRefused):
        adapter.verify_get({**query, "hub.verify_token": "nope"})


@pytest.mark.parametrize(
    "name,context,mentioned,text",
    [
        ("update__private_command", "dm", True, "/start"),
        ("update__group_command_addressed", "group", True, "/ask what changed in v2?"),
        ("update__group_reply_to_bot", "group", True, "which retry policy exactly?"),
        ("update__forum_topic_message", "group", True, "reset my password flow is broken"),
        ("update__text_mention_no_username", "group", False, "Bob can you check this"),
    ],
)
def test_telegram_contexts_and_mentions(make_adapter, name: str, context: str, mentioned: bool, text: str) -> None:
    [m] = make_adapter("telegram").parse(fixture("telegram", name), {})
    assert (m.context, m.mentioned, m.text) == (context, mentioned, text)


def test_telegram_forum_topic_is_the_thread(make_adapter) -> None:
    [m] = make_adapter("telegram").parse(fixture("telegram", "update__forum_topic_message"), {})
    assert m.thread_id == "77" and m.chat_id == "-1001555000111"


def test_telegram_channel_posts_and_edits_are_not_answered(make_adapter) -> None:
    adapter = make_adapter("telegram")
    [post] = adapter.parse(fixture("telegram", "update__channel_post"), {})
    assert post.context == "channel" and post.ignore_reason
    assert adapter.parse(fixture("telegram", "update__edited_message"), {}) == []


def test_telegram_update_without_an_integer_id_is_malformed(make_adapter) -> None:
    with pytest.raises(MalformedPayload):
        make_adapter("telegram").parse({"update_id": "x", "message": {}}, {})


def test_generic_webhook_requires_conversation_and_text(make_adapter) -> None:
    payload = fixture("generic_webhook", "message_created__with_callback")
    del payload["message"]["text"]
    with pytest.raises(MalformedPayload):
        make_adapter("webhook").parse(payload, {})


def test_generic_webhook_ignores_a_callback_host_that_is_not_allow_listed(make_adapter) -> None:
    payload = fixture("generic_webhook", "message_created__with_callback")
    [m] = make_adapter("webhook").parse(payload, {})
    assert m.reply["callback_url"] == ""
    [m] = make_adapter("webhook", allowed_callback_hosts=["crm.customer.example"]).parse(payload, {})
    assert m.reply["callback_url"] == "https://crm.customer.example/hooks/agent-replies"
