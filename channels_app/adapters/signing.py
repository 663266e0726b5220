"""Constant-time HMAC checks shared by the adapters (PLATFORMS.md §2.1, §3.3, §4.3, §9.1).

Signatures are compared as bytes with `hmac.compare_digest`; header values arrive latin-1 decoded, so a
non-ASCII header is re-encoded rather than crashing the compare.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


def hmac_hex(secret: str | bytes, message: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def hmac_b64(secret: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(secret, message, hashlib.sha256).digest()).decode()


def same(expected: str, received: str) -> bool:
    """Constant-time equality of two header-ish strings."""
    return hmac.compare_digest(expected.encode("latin-1", "replace"), received.encode("latin-1", "replace"))


def fresh(timestamp: str, tolerance: int, now: float | None = None) -> bool:
    """True when a Unix-seconds timestamp is within `tolerance` seconds of now (replay window)."""
    if not timestamp or not timestamp.strip().lstrip("-").isdigit():
        return False
    current = time.time() if now is None else now
    return abs(current - int(timestamp)) <= tolerance


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
