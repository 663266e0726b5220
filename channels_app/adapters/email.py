"""Email: inbound mail (fetched by the IMAP listener) normalised here; replies sent over SMTP, threaded.

A reply carries In-Reply-To, References and a `Re:` subject, and is multipart/alternative: plain text first, then
HTML rendered from the agent's Markdown (PLATFORMS.md §7.5). Login is a password or an OAuth2 token (XOAUTH2).
"""

from __future__ import annotations

import html
import re
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any

from channels_app.adapters.base import Adapter, DeliveryError, InboundMessage, Sent, Target
from channels_app.adapters.email_parsing import ParsedEmail, reply_references, reply_subject
from channels_app.formatting import render
from channels_app.formatting.flavours import Flavour

EMAIL_HTML = Flavour(
    name="email_html",
    escape=lambda text: html.escape(text, quote=False),
    bold=("<strong>", "</strong>"),
    italic=("<em>", "</em>"),
    strike=("<s>", "</s>"),
    inline_code=lambda code: f"<code>{html.escape(code, quote=False)}</code>",
    link=lambda label, url: f'<a href="{html.escape(url, quote=True)}">{label}</a>',
    heading=lambda text: f"<h3>{text}</h3>",
    bullet="• ",
    quote=lambda lines: ["<blockquote>" + "<br>".join(lines) + "</blockquote>"],
    code_block=lambda code, lang: f"<pre><code>{html.escape(code, quote=False)}</code></pre>",
)

_BLOCK_START = re.compile(r"^<(pre|h\d|blockquote)\b")


def markdown_to_html(markdown: str) -> str:
    """The HTML part: rendered inline markup, paragraphs as <p>, line breaks as <br> (never inside <pre>)."""
    rendered = render(markdown, EMAIL_HTML)
    blocks = []
    for block in re.split(r"\n{2,}", rendered.strip()):
        if _BLOCK_START.match(block):
            blocks.append(block)
        else:
            blocks.append("<p>" + block.replace("\n", "<br>\n") + "</p>")
    body = "\n".join(blocks)
    return f'<!DOCTYPE html>\n<html><body style="font-family: sans-serif">\n{body}\n</body></html>\n'


def inbound_message(parsed: ParsedEmail, *, thread_id: str, own_address: str, mailbox_key: str) -> InboundMessage:
    """One mail as the pipeline sees it: a DM from the sender, in the thread of its root message."""
    ignore = parsed.auto_reason
    if not ignore and own_address and parsed.from_address == own_address.lower():
        ignore = "mail from our own address (loop guard)"
    key = f"msgid:{parsed.message_id}" if parsed.message_id else f"uid:{mailbox_key}"
    text = parsed.text
    if parsed.subject and not parsed.in_reply_to and not parsed.references:
        text = f"Subject: {parsed.subject}\n\n{text}"  # a new thread's subject is often the question itself
    return InboundMessage(
        platform="email",
        dedupe_key=key,
        message_key=key,
        chat_id=parsed.reply_to or parsed.from_address,
        thread_id=thread_id,
        text=text,
        context="dm",
        sender_id=parsed.from_address,
        sender_name=parsed.from_name,
        message_id=parsed.message_id,
        mentioned=True,
        ignore_reason=ignore,
        raw={
            "subject": parsed.subject,
            "from": parsed.from_address,
            "to": parsed.to,
            "message_id": parsed.message_id,
            "in_reply_to": parsed.in_reply_to,
            "references": parsed.references,
            "full_text": parsed.full_text,
            "attachments": [vars(a) for a in parsed.attachments],
            "defects": parsed.defects,
            "mailbox": mailbox_key,
        },
        reply={
            "subject": reply_subject(parsed.subject),
            "in_reply_to": parsed.message_id,
            "references": reply_references(parsed),
        },
    )


class EmailAdapter(Adapter):
    platform = "email"
    flavour = "markdown"  # chunks stay Markdown; send() renders plain text and HTML from them
    read_timeout = 30.0

    @property
    def address(self) -> str:
        return (self.credential("address", required=False) or self.credential("username")).strip()

    def split(self, markdown: str) -> list[str]:
        return [markdown] if markdown.strip() else []

    def target_for(self, message: InboundMessage) -> Target:
        return Target(
            chat_id=message.chat_id,
            thread_id=message.thread_id,
            reply_to=message.message_id,
            extra=dict(message.reply or {}),
        )

    def build_reply(self, markdown: str, target: Target) -> EmailMessage:
        extra: dict[str, Any] = target.extra or {}
        msg = EmailMessage()
        domain = self.address.rsplit("@", 1)[-1] or "localhost"
        msg["From"] = formataddr((str(self.option("from_name", "") or ""), self.address))
        msg["To"] = target.chat_id
        msg["Subject"] = str(extra.get("subject") or "Re:")
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = make_msgid(idstring="agent", domain=domain)
        in_reply_to = str(extra.get("in_reply_to") or target.reply_to or "")
        if in_reply_to:
            msg["In-Reply-To"] = in_reply_to
        references = [str(r) for r in extra.get("references") or []]
        if references:
            msg["References"] = " ".join(references)
        # Well-behaved out-of-office responders do not answer mail marked like this (RFC 3834).
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "OOF, AutoReply"
        msg.set_content(render(markdown, "plain"))
        msg.add_alternative(markdown_to_html(markdown), subtype="html")
        return msg

    def _smtp(self) -> smtplib.SMTP:
        host = self.credential("smtp_host")
        security = str(self.option("smtp_security") or self.option("security") or "tls")
        default_port = {"tls": 465, "starttls": 587}.get(security, 25)
        port = int(self.credential("smtp_port", required=False) or default_port)
        timeout = self.read_timeout
        if security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
        return client

    def _login(self, client: smtplib.SMTP) -> None:
        username = self.credential("username")
        token = self.credential("oauth2_token", required=False)
        if token:
            client.ehlo_or_helo_if_needed()
            # XOAUTH2: "user=<u>^Aauth=Bearer <token>^A^A", sent as the initial response (base64 by smtplib).
            client.auth("XOAUTH2", lambda challenge=None: f"user={username}\x01auth=Bearer {token}\x01\x01")
        else:
            client.login(username, self.credential("password"))

    def send(self, chunk: str, target: Target) -> Sent:
        msg = self.build_reply(chunk, target)
        try:
            with self._smtp() as client:
                self._login(client)
                refused = client.send_message(msg, from_addr=self.address, to_addrs=[target.chat_id])
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"email: SMTP login refused ({exc.smtp_code})", permanent=True, code="auth") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError("email: recipient refused", permanent=True, code="recipient") from exc
        except smtplib.SMTPResponseException as exc:
            # 4xx is "try again later", 5xx is final (RFC 5321 §4.2.1).
            permanent = 500 <= exc.smtp_code < 600
            raise DeliveryError(f"email: SMTP {exc.smtp_code}", permanent=permanent, code=str(exc.smtp_code)) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"email: {type(exc).__name__}", permanent=False) from exc
        if refused:
            raise DeliveryError("email: recipient refused", permanent=True, code="recipient")
        return Sent(platform_message_id=str(msg["Message-ID"]), response={"message_id": str(msg["Message-ID"])})
