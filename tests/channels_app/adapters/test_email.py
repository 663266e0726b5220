"""Email parsing (fixtures), quote stripping, loop detection, and the SMTP sender against a real aiosmtpd."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from channels_app.adapters.base import DeliveryError, Target
from channels_app.adapters.email import EmailAdapter, inbound_message, markdown_to_html
from channels_app.adapters.email_parsing import parse_email, reply_references, reply_subject, strip_quotes
from tests.fakes.fake_smtp import FakeSmtp

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def eml(name: str) -> bytes:
    return (FIXTURES / f"{name}.eml").read_bytes()


@dataclass
class Mailbox:
    """Stands in for a ChannelInstance (the adapter only reads these attributes)."""

    credentials: dict
    options: dict = field(default_factory=lambda: {"security": "none"})
    name: str = "support-mail"
    platform: str = "email"
    api_base_url: str = ""


def test_it_starts_a_conversation_keyed_by_the_message_id_of_a_new_mail():
    parsed = parse_email(eml("inbound_new_thread"))
    message = inbound_message(parsed, thread_id=parsed.message_id, own_address="agent@acme.example", mailbox_key="k")
    assert message.dedupe_key == "msgid:<CAF1a2b3c4d5e6f@mail.customer.example>"
    assert message.chat_id == "alice@customer.example" and message.context == "dm"
    assert message.text.startswith("Subject: Invoice 1042 looks wrong\n\nHi,")
    assert message.ignore_reason == ""
    assert message.reply == {
        "subject": "Re: Invoice 1042 looks wrong",
        "in_reply_to": "<CAF1a2b3c4d5e6f@mail.customer.example>",
        "references": ["<CAF1a2b3c4d5e6f@mail.customer.example>"],
    }


def test_it_ignores_an_auto_reply():
    parsed = parse_email(eml("inbound_auto_reply"))
    message = inbound_message(parsed, thread_id="t", own_address="agent@acme.example", mailbox_key="k")
    assert message.ignore_reason == "Auto-Submitted: auto-replied"


def test_it_ignores_mail_from_its_own_address():
    parsed = parse_email(eml("outbound_reply"))
    parsed.auto_reason = ""
    message = inbound_message(parsed, thread_id="t", own_address="Agent@Acme.example", mailbox_key="k")
    assert "own address" in message.ignore_reason


@pytest.mark.parametrize(
    "headers",
    [
        "Precedence: bulk",
        "List-Id: <announce.lists.example>",
        "Return-Path: <>",
        "X-Autoreply: yes",
    ],
)
def test_it_treats_list_mail_and_bounces_as_automatic(headers: str):
    raw = f"From: a@b.example\r\nTo: agent@acme.example\r\nSubject: x\r\nMessage-ID: <1@b>\r\n{headers}\r\n\r\nbody\r\n"
    assert parse_email(raw.encode()).auto_reason


def test_it_decodes_encoded_headers_and_records_attachments():
    expected = json.loads((FIXTURES / "inbound_non_ascii_attachment.expected.json").read_text())
    parsed = parse_email(eml("inbound_non_ascii_attachment"))
    assert parsed.subject == expected["decoded_subject"]
    assert parsed.from_name == expected["decoded_from_display_name"]
    assert [vars(a) for a in parsed.attachments] == expected["attachments"]


@pytest.mark.parametrize(
    "body",
    [
        "Yes, March.\n\nOn Thu, 1 Jan 2026 at 09:02, Acme Agent <agent@acme.example> wrote:\n> Hi Alice",
        "Yes, March.\n\nOn Thu, 1 Jan 2026 at 09:02, Acme Agent\n<agent@acme.example> wrote:\n> Hi Alice",
        "Yes, March.\n\nAm 01.01.2026 um 09:02 schrieb Acme Agent <agent@acme.example>:\n> Hallo",
        "Yes, March.\n\n-----Original Message-----\nFrom: Acme Agent\nSent: Thursday\nTo: Alice\nSubject: Re: x",
        "Yes, March.\n\nFrom: Acme Agent <agent@acme.example>\nSent: Thursday, 1 January 2026 09:02\nTo: Alice\n",
        "Yes, March.\n\n-- \nAlice Ng\nAccounts payable",
        "Yes, March.\n> earlier text\n> more",
    ],
)
def test_it_keeps_only_the_new_text_of_a_reply(body: str):
    assert strip_quotes(body) == "Yes, March."


def test_html_only_mail_loses_its_quoted_history():
    raw = (
        b"From: a@b.example\r\nTo: agent@acme.example\r\nSubject: x\r\nMessage-ID: <2@b>\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b'<div>New <b>answer</b></div><div class="gmail_quote">On Thu wrote:<blockquote>old</blockquote></div>'
    )
    assert parse_email(raw).text == "New answer"


def test_reply_headers_follow_rfc_5322():
    parsed = parse_email(eml("outbound_reply"))
    assert reply_subject(parsed.subject) == "Re: Invoice 1042 looks wrong"
    assert reply_subject("RE: Re: x") == "RE: Re: x"
    assert reply_references(parsed) == [
        "<CAF1a2b3c4d5e6f@mail.customer.example>",
        "<agent.20260101T090200.7f3a9c@acme.example>",
    ]


def test_markdown_becomes_escaped_html_paragraphs():
    html = markdown_to_html("Two **incidents** <today>:\n\n```\na < b\n```")
    assert "<strong>incidents</strong>" in html and "&lt;today&gt;" in html
    assert "<pre><code>a &lt; b\n</code></pre>" in html or "<pre><code>a &lt; b</code></pre>" in html


def target() -> Target:
    return Target(
        chat_id="alice@customer.example",
        thread_id="<root@x>",
        reply_to="<parent@x>",
        extra={"subject": "Re: Invoice", "in_reply_to": "<parent@x>", "references": ["<root@x>", "<parent@x>"]},
    )


def test_it_sends_a_threaded_multipart_reply_with_a_password_login():
    with FakeSmtp() as smtp:
        adapter = EmailAdapter(
            Mailbox(
                {
                    "smtp_host": "127.0.0.1",
                    "smtp_port": str(smtp.port),
                    "username": smtp.username,
                    "password": smtp.password,
                }
            )
        )
        sent = adapter.send("**Fixed** in 2.1", target())
        [msg] = smtp.wait_for(1)
    assert smtp.logins[-1][2] is True
    assert msg["Message-ID"] == sent.platform_message_id and msg["Message-ID"].endswith("@acme.example>")
    assert msg["In-Reply-To"] == "<parent@x>" and msg["References"] == "<root@x> <parent@x>"
    assert msg.get_body(("plain",)).get_content().strip() == "Fixed in 2.1"
    assert "<strong>Fixed</strong>" in msg.get_body(("html",)).get_content()


def test_it_logs_in_with_an_oauth2_token():
    with FakeSmtp() as smtp:
        adapter = EmailAdapter(
            Mailbox(
                {
                    "smtp_host": "127.0.0.1",
                    "smtp_port": str(smtp.port),
                    "username": smtp.username,
                    "oauth2_token": smtp.oauth_token,
                }
            )
        )
        adapter.send("hello", target())
        smtp.wait_for(1)
    assert smtp.logins == [("XOAUTH2", smtp.username, True)]


def test_a_refused_login_is_a_permanent_delivery_error():
    with FakeSmtp() as smtp:
        adapter = EmailAdapter(
            Mailbox(
                {"smtp_host": "127.0.0.1", "smtp_port": str(smtp.port), "username": smtp.username, "password": "wrong"}
            )
        )
        with pytest.raises(DeliveryError) as caught:
            adapter.send("hello", target())
    assert caught.value.permanent and "wrong" not in str(caught.value)
    assert smtp.messages == []
