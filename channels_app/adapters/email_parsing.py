"""Reading inbound mail: headers decoded, the new text separated from quotes and signatures, loops detected.

Pure functions over bytes (PLATFORMS.md §7.3–§7.5, §7.7), so the IMAP listener and the tests share them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

_MSGID = re.compile(r"<[^<>\s]+>")
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|antw)\s*:", re.IGNORECASE)

# Quote headers in several languages: "On <date>, <name> wrote:", "Am … schrieb …:", "Le … a écrit :".
_ATTRIBUTION = re.compile(
    r"^\s*(on\b.*\bwrote|am\b.*\bschrieb[^:]*|le\b.*\ba\s+écrit|el\b.*\bescribió|op\b.*\bschreef[^:]*)\s*:\s*$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine)\s*-{2,}\s*$", re.I)
_OUTLOOK_SEPARATOR = re.compile(r"^\s*_{10,}\s*$")
_HEADER_LINE = re.compile(r"^\s*\*?(from|von|de|sent|gesendet|envoyé|date|to|an|à|subject|betreff|objet)\s*:", re.I)
_SIGNATURE = re.compile(r"^--\s?$")  # RFC 3676 signature delimiter "-- "


@dataclass
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass
class ParsedEmail:
    """What the gateway needs from one inbound mail."""

    message_id: str
    in_reply_to: str
    references: list[str]
    subject: str
    from_address: str
    from_name: str
    reply_to: str
    to: list[str]
    text: str
    full_text: str
    attachments: list[Attachment] = field(default_factory=list)
    auto_reason: str = ""
    defects: list[str] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """Every id this mail points at, thread root first (RFC 5322 §3.6.4)."""
        ids = list(self.references)
        if self.in_reply_to and self.in_reply_to not in ids:
            ids.append(self.in_reply_to)
        return ids


def message_ids(value: str | None) -> list[str]:
    """The `<id@domain>` tokens of a Message-ID, In-Reply-To or References header, in order."""
    return _MSGID.findall(str(value or ""))


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse raw RFC 5322 bytes; malformed MIME yields defects, never an exception (PLATFORMS.md §7.7)."""
    msg: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[assignment]
    from_name, from_address = parseaddr(str(msg.get("From", "")))
    reply_to = parseaddr(str(msg.get("Reply-To", "")))[1] or from_address
    to = [address for _, address in getaddresses([str(v) for v in msg.get_all("To", []) + msg.get_all("Cc", [])])]
    ids = message_ids(msg.get("Message-ID"))
    full_text = body_text(msg)
    return ParsedEmail(
        message_id=ids[0] if ids else "",
        in_reply_to=(message_ids(msg.get("In-Reply-To")) or [""])[0],
        references=message_ids(msg.get("References")),
        subject=str(msg.get("Subject", "") or "").strip(),
        from_address=from_address.lower(),
        from_name=from_name,
        reply_to=reply_to.lower(),
        to=[address.lower() for address in to if address],
        text=strip_quotes(full_text),
        full_text=full_text,
        attachments=attachments(msg),
        auto_reason=auto_reply_reason(msg),
        defects=[type(defect).__name__ for defect in msg.defects],
    )


def body_text(msg: EmailMessage) -> str:
    """The text/plain body, or the HTML one turned to text with its quoted parts left out."""
    part = msg.get_body(preferencelist=("plain",))
    if part is not None:
        try:
            return _normalise(part.get_content())
        except (LookupError, UnicodeError):
            return _normalise(part.get_payload(decode=True).decode("utf-8", "replace"))
    part = msg.get_body(preferencelist=("html",))
    if part is not None:
        return _normalise(html_to_text(part.get_content()))
    return ""


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def strip_quotes(text: str) -> str:
    """Only the new part of a reply: cut at the first quote header, quoted run, separator or signature."""
    lines = text.split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        two = line + " " + (lines[index + 1] if index + 1 < len(lines) else "")
        if (
            _ATTRIBUTION.match(line)
            # Gmail wraps a long attribution over two lines ("On Mon, … <a@b>\nwrote:").
            or (line.strip().lower().startswith("on ") and _ATTRIBUTION.match(two))
            or _ORIGINAL.match(line)
            or _OUTLOOK_SEPARATOR.match(line)
            or _SIGNATURE.match(line)
            or line.startswith(">")
            or _outlook_header_block(lines, index)
        ):
            cut = index
            break
    return "\n".join(lines[:cut]).strip()


def _outlook_header_block(lines: list[str], index: int) -> bool:
    """Outlook quotes with a From:/Sent:/To:/Subject: block instead of an attribution line."""
    if not re.match(r"^\s*\*?(from|von|de)\s*:", lines[index], re.I):
        return False
    following = [line for line in lines[index + 1 : index + 5] if line.strip()]
    return sum(1 for line in following if _HEADER_LINE.match(line)) >= 2


class _QuoteSkippingText(HTMLParser):
    """HTML → text, leaving out quoted history (gmail_quote, blockquote, Outlook's reply header div)."""

    QUOTE_MARKERS = ("gmail_quote", "divrplyfwdmsg", "appendonsend", "moz-cite-prefix")
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.stack: list[str] = []
        self.stopped = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        marker = " ".join(str(v or "") for k, v in attrs if k in ("class", "id", "type")).lower()
        if tag in ("style", "script", "head"):
            self.skip_depth += 1
        elif tag == "blockquote" or any(m in marker for m in self.QUOTE_MARKERS):
            if any(m in marker for m in ("divrplyfwdmsg", "appendonsend")):
                self.stopped = True  # Outlook: everything after its reply header is history
                return
            self.skip_depth += 1
        elif self.skip_depth:
            self.skip_depth += 1 if tag not in ("br", "img", "hr", "meta", "input") else 0
        if tag in self.BLOCKS and not self.skip_depth:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skip_depth and tag not in ("br", "img", "hr", "meta", "input"):
            self.skip_depth -= 1
        elif tag in self.BLOCKS and not self.stopped:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth and not self.stopped:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _QuoteSkippingText()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n\s*\n\s*\n+", "\n\n", text).strip()


def attachments(msg: EmailMessage) -> list[Attachment]:
    """Attachment metadata (recorded with the event; the agent gets the text)."""
    found = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        found.append(
            Attachment(
                filename=str(part.get_filename() or ""),
                content_type=part.get_content_type(),
                size=len(payload) if isinstance(payload, bytes) else 0,
            )
        )
    return found


def auto_reply_reason(msg: EmailMessage) -> str:
    """Why this mail must not be answered (RFC 3834 and common practice), or '' (PLATFORMS.md §7.5)."""
    auto_submitted = str(msg.get("Auto-Submitted", "") or "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = str(msg.get("Precedence", "") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for header in ("List-Id", "List-Unsubscribe", "X-Autoreply", "X-Autorespond", "X-Auto-Response"):
        if msg.get(header) is not None:
            return f"{header} header"
    if msg.get("Return-Path") is not None and str(msg.get("Return-Path")).strip() in ("<>", ""):
        return "empty Return-Path (bounce)"
    if msg.get_content_type() == "multipart/report":
        return "delivery report (bounce)"
    sender = parseaddr(str(msg.get("From", "")))[1].lower()
    if sender.split("@", 1)[0] in ("mailer-daemon", "postmaster"):
        return f"bounce from {sender}"
    return ""


def reply_subject(subject: str) -> str:
    """`Re: ` unless the subject already starts with a reply prefix (PLATFORMS.md §7.5)."""
    subject = subject.strip()
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}".rstrip()


def reply_references(parent: ParsedEmail, keep: int = 10) -> list[str]:
    """Parent's References (or its In-Reply-To) then the parent's id; long chains keep the root and the newest."""
    chain = list(parent.references) or ([parent.in_reply_to] if parent.in_reply_to else [])
    if parent.message_id:
        chain.append(parent.message_id)
    if len(chain) > keep:
        chain = [chain[0], *chain[-(keep - 1) :]]
    return chain
