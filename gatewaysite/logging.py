"""Structured logs (LOG_FORMAT=json: one JSON object per line) that never carry a token.

Tokens reach log lines through URLs: `?token=gw_…` in a request Django logs on a 4xx (the JSON formatter prints the
`request` extra, whose repr holds the query string), and Telegram's `/bot<token>/sendMessage` in urllib3's DEBUG
lines. Redaction happens twice: every record's message is redacted when it is created (a log-record factory, so
handlers we do not configure — Celery's, pytest's — get clean messages too), and our formatters redact their whole
output (extra fields and tracebacks included).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
REDACTED = "[REDACTED]"

SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram Bot API URLs carry the bot token in the path: /bot123456:AA…/sendMessage
    (re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+"), rf"\1{REDACTED}"),
    # Query parameters that hold credentials (?token=, &access_token=, Meta's hub.verify_token=, ...)
    (
        re.compile(
            r"([?&](?:[a-z_.]*token|api_?key|key|secret|password|passwd|signature|sig|code|auth)=)[^&\s'\"<>#\\]+",
            re.IGNORECASE,
        ),
        rf"\1{REDACTED}",
    ),
    # Credentials in headers echoed into messages
    (re.compile(r"((?:Bearer|Basic|Token)\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE), rf"\1{REDACTED}"),
    # Well-known token shapes anywhere: our own, Slack's, OpenAI/Anthropic keys
    (re.compile(r"\bgw_[A-Za-z0-9_-]{8,}"), REDACTED),
    (re.compile(r"\bxox[abposre]-[A-Za-z0-9-]{8,}"), REDACTED),
    (re.compile(r"\bsk-(?:ant-)?[A-Za-z0-9_-]{16,}"), REDACTED),
)


def redact(text: str) -> str:
    """`text` with every known token shape replaced by [REDACTED]."""
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


_installed = False


def install_record_redaction() -> None:
    """Redact each record's message as it is created, for every handler in the process (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed format string: leave it for the handler to report as usual
            return record
        clean = redact(message)
        if clean != message:  # untouched records keep msg and args (error trackers group by the template)
            record.msg, record.args = clean, None
        return record

    logging.setLogRecordFactory(factory)


class RedactingFormatter(logging.Formatter):
    """The plain-text format, with tokens redacted from the whole line (traceback included)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        install_record_redaction()

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object, extra fields included, so log shippers need no parsing rules."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        install_record_redaction()

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update({key: value for key, value in vars(record).items() if key not in RESERVED})
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return redact(json.dumps(payload, default=str))
