"""Constant-time HMAC checks shared by the adapters (PLATFORMS.md §2.1, §3.3, §4.3, §9.1).

Signatures are compared as bytes with `hmac.compare_digest`; header values arrive latin-1 decoded, so a
non-ASCII header is re-encoded rather than crashing the compare.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time


def hmac_hex(secret: str | bytes, message: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def hmac_b64(secret: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(secret, message, hashlib.sha256).digest()).decode()


def same(expected: str, received: str) -> bool:
    """Constant-time equality of two header-ish strings."""
    return hmac.compare_digest(expected.encode("latin-1", "replace"), received.encode("latin-1", "replace"))


# Unix seconds as ASCII digits only, at most 12 of them: `str.isdigit` accepts "²" and Arabic-Indic digits that
# `int()` refuses, and `int()` refuses more than 4,300 digits; either crashed the caller into a 500 before any check.
UNIX_SECONDS = re.compile(r"-?[0-9]{1,12}")


def fresh(timestamp: str, tolerance: int, now: float | None = None) -> bool:
    """True when a Unix-seconds timestamp is within `tolerance` seconds of now (replay window).

    Any malformed value (too long, non-ASCII, not a number) is simply not fresh, so unauthenticated garbage is a 401.
    """
    stamp = (timestamp or "").strip()
    if not UNIX_SECONDS.fullmatch(stamp):
        return False
    current = time.time() if now is None else now
    return abs(current - int(stamp)) <= tolerance


def standard_webhooks_key(secret: str) -> bytes:
    """Standard Webhooks keys are base64 after a `whsec_` prefix; a plain string is used as is."""
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_") :])
        except ValueError:
            return secret.encode()
    return secret.encode()


def standard_webhooks_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """`v1,<base64>` over `id.timestamp.body` (the scheme the gateway also uses for its own callbacks)."""
    message = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    return "v1," + hmac_b64(standard_webhooks_key(secret), message)
