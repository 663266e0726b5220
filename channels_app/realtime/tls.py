"""Daphne endpoint strings: plain TCP, or TLS when gateway settings carry ssl_cert and ssl_key.

rungateway (and anyone starting `daphne -e ...`) passes the result of `endpoint()` so `ssl_cert`/`ssl_key` really
serve wss:// (Twisted's ssl endpoint; needs pyOpenSSL and service-identity, both installed with Twisted[tls]).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class TlsSettings(Protocol):
    ssl_cert: str
    ssl_key: str


def _escape(value: str) -> str:
    """Twisted endpoint syntax: ':' and '\\' inside a value are backslash-escaped (IPv6 hosts, Windows paths)."""
    return value.replace("\\", "\\\\").replace(":", "\\:").replace("=", "\\=")


def endpoint(host: str, port: int, settings: TlsSettings | None = None) -> str:
    """`tcp:port=P:interface=H`, or `ssl:port=P:interface=H:privateKey=K:certKey=C` when TLS is configured.

    Raises ValueError naming the file when a configured certificate or key does not exist, so a typo fails at start.
    """
    cert = (getattr(settings, "ssl_cert", "") or "").strip()
    key = (getattr(settings, "ssl_key", "") or "").strip()
    interface = _escape(host)
    if not cert and not key:
        return f"tcp:port={int(port)}:interface={interface}"
    if not (cert and key):
        raise ValueError("TLS needs both ssl_cert and ssl_key (only one is set)")
    for label, path in (("ssl_cert", cert), ("ssl_key", key)):
        if not Path(path).is_file():
            raise ValueError(f"{label}: file not found: {path}")
    return f"ssl:port={int(port)}:interface={interface}:privateKey={_escape(key)}:certKey={_escape(cert)}"


def scheme(settings: TlsSettings | None = None) -> str:
    """`wss` when TLS is configured, else `ws` (for logs and status output)."""
    return "wss" if settings is not None and getattr(settings, "ssl_cert", "") else "ws"
