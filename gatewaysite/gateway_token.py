"""The gateway's own auth token when none is configured: generated once on a loopback bind, kept in the data folder.

A fresh `rungateway` on 127.0.0.1 must let local clients in without any setup (PraisonAI generates one too), yet never
run open: the token is random, stored with mode 0600 next to the generated secret key, printed in full once (the first
start, like Jupyter's login URL) and masked in every later line. A non-loopback bind never gets one: it must be set.
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path

from django.conf import settings

FILE_NAME = "gateway_auth_token"


def token_path() -> Path:
    return Path(settings.DATA_DIR) / FILE_NAME


def generated_token() -> str | None:
    """The token a loopback start generated earlier, or None."""
    try:
        text = token_path().read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text or None


def ensure_generated_token() -> tuple[str, bool]:
    """The stored generated token, creating it first when there is none; True when it was just created."""
    existing = generated_token()
    if existing:
        return existing, False
    token = "gwauth_" + secrets.token_urlsafe(32)
    path = token_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token + "\n", encoding="utf-8")
    path.chmod(0o600)
    return token, True


def masked(token: str) -> str:
    """What a log line may show of a token: enough to recognise it, never enough to use it."""
    if len(token) <= 10:
        return "•" * 8
    return f"{token[:6]}…{token[-4:]}"


def is_loopback_host(host: str) -> bool:
    """A bind address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    host = host.strip().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
