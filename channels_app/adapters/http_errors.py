"""Say what went wrong talking to a platform, in words an operator can act on: which host, which call, why.

"slack: connection refused to 127.0.0.1:9 (chat.postMessage)" instead of "slack: ConnectionError". Never includes
the query string or headers (tokens travel there on some platforms).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests


def _reason(exc: requests.RequestException) -> str:
    text = str(exc).lower()
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connection timed out to"
    if isinstance(exc, requests.exceptions.ReadTimeout | requests.exceptions.Timeout):
        return "no answer in time from"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed with"
    if isinstance(exc, requests.exceptions.ConnectionError):
        if "refused" in text:
            return "connection refused to"
        if "name or service not known" in text or "nodename nor servname" in text or "name resolution" in text:
            return "host name not found:"
        if "reset" in text:
            return "connection reset by"
        return "could not connect to"
    return f"{type(exc).__name__} talking to"


def describe_request_error(platform: str, exc: requests.RequestException, url: str) -> str:
    """`<platform>: <what happened> <host:port> (<API method>)`."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or "?"
    host = f"[{host}]" if ":" in host else host
    method = parts.path.rstrip("/").rsplit("/", 1)[-1] or "/"
    return f"{platform}: {_reason(exc)} {host}:{port} ({method})"
