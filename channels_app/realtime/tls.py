"""Daphne endpoint strings: plain TCP, or TLS when gateway settings carry ssl_cert and ssl_key.

The project's one endpoint builder: rungateway (routing/serving) and anyone starting `daphne -e ...` pass the result
of `endpoint()`, so `ssl_cert`/`ssl_key` really serve wss:// (Twisted's ssl endpoint; needs pyOpenSSL and
service-identity, both installed with Twisted[tls]).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class TlsSettings(Protocol):
    ssl_cert: str
    ssl_key: str


class TLSConfigError(ValueError):
    """ssl_cert/ssl_key are set wrongly (only one of them, or a file that cannot be read)."""


def _escape(value: str) -> str:
    """Twisted endpoint syntax: ':' and '\\' inside a value are backslash-escaped (IPv6 hosts, Windows paths)."""
    return value.replace("\\", "\\\\").replace(":", "\\:").replace("=", "\\=")


def endpoint(
    host: str,
    port: int,
    settings: TlsSettings | None = None,
    *,
    ssl_cert: str | None = None,
    ssl_key: str | None = None,
) -> str:
    """`tcp:port=P:interface=H`, or `ssl:port=P:interface=H:privateKey=K:certKey=C` when TLS is configured.

    The certificate and key come from `settings` (GatewaySettings or anything with ssl_cert/ssl_key) or the keyword
    arguments. A bracketed IPv6 host ("[::1]") is unbracketed. Raises TLSConfigError naming the file when a
    configured certificate or key cannot be read, or when only one of the two is set, so a typo fails at start.
    """
    cert = str(ssl_cert if ssl_cert is not None else getattr(settings, "ssl_cert", "") or "").strip()
    key = str(ssl_key if ssl_key is not None else getattr(settings, "ssl_key", "") or "").strip()
    interface = _escape(host.strip().strip("[]"))
    if not cert and not key:
        return f"tcp:port={int(port)}:interface={interface}"
    if not (cert and key):
        raise TLSConfigError("TLS needs both ssl_cert and ssl_key (only one is set)")
    for label, path in (("ssl_cert", cert), ("ssl_key", key)):
        if not Path(path).is_file():
            raise TLSConfigError(f"{label}: {path} is not a readable file")
    return f"ssl:port={int(port)}:interface={interface}:privateKey={_escape(key)}:certKey={_escape(cert)}"


def scheme(settings: TlsSettings | None = None) -> str:
    """`wss` when TLS is configured, else `ws` (for logs and status output)."""
    return "wss" if settings is not None and getattr(settings, "ssl_cert", "") else "ws"
