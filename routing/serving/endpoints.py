"""Twisted endpoint strings for Daphne: plain TCP, or TLS when a certificate and key are configured."""

from __future__ import annotations

from pathlib import Path

from twisted.internet.endpoints import quoteStringArgument


class TLSConfigError(ValueError):
    """ssl_cert/ssl_key are set wrongly (only one of them, or a file that cannot be read)."""


def endpoint(host: str, port: int, ssl_cert: str = "", ssl_key: str = "") -> str:
    """`tcp:port=8000:interface=127.0.0.1`, or an `ssl:` endpoint serving the PEM certificate and key."""
    interface = quoteStringArgument(host.strip("[]"))
    if not ssl_cert and not ssl_key:
        return f"tcp:port={int(port)}:interface={interface}"
    if not (ssl_cert and ssl_key):
        raise TLSConfigError("TLS needs both ssl_cert and ssl_key (only one is set)")
    for label, path in (("ssl_cert", ssl_cert), ("ssl_key", ssl_key)):
        if not Path(path).is_file():
            raise TLSConfigError(f"{label}: {path} is not a readable file")
    return (
        f"ssl:port={int(port)}:interface={interface}"
        f":privateKey={quoteStringArgument(ssl_key)}:certKey={quoteStringArgument(ssl_cert)}"
    )
