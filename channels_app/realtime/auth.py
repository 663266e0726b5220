"""Who is connecting: token from `?token=` or `Authorization: Bearer`, scopes, and the Origin allow-list.

Resolution happens in the ASGI middleware before the consumer runs; the consumer turns a failure into the reference's
`hello_error` + close 4003, so a client always hears why it was refused.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from channels_app.events import bind_event_loop
from channels_app.realtime import tokens
from channels_app.realtime.config import RealtimeConfig, cached_config, load_config
from channels_app.realtime.dbhop import pooled

READ, WRITE, ADMIN = "read", "write", "admin"
ALL_SCOPES = frozenset({READ, WRITE, ADMIN})
_IMPLIES = {ADMIN: {ADMIN, WRITE, READ}, WRITE: {WRITE, READ}, READ: {READ}}


def expand_scopes(scopes: list[str] | tuple[str, ...]) -> frozenset[str]:
    """Admin implies write and read; write implies read."""
    out: set[str] = set()
    for scope in scopes:
        out |= _IMPLIES.get(scope, set())
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class AuthResult:
    """Outcome of authenticating one connection or HTTP request."""

    ok: bool
    scopes: frozenset[str] = frozenset()
    token_name: str = ""
    code: str = "auth_required"
    message: str = "Authentication required"
    token_id: int | None = None  # the AccessToken row, re-checked while the socket is open (None: gateway token)

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def owner(self) -> str:
        """Which token this is, for owning push identities: `token:<id>`, or `gateway` for the auth_token."""
        return f"token:{self.token_id}" if self.token_id is not None else self.token_name


def token_from_scope(scope: dict[str, Any]) -> str | None:
    """The presented token: query string first (reference clients), then an Authorization: Bearer header."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0]
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            text = value.decode("latin-1")
            if text.lower().startswith("bearer "):
                return text[7:].strip()
    return None


def authenticate_token(token: str | None, config: RealtimeConfig) -> AuthResult:
    """Check a token against the gateway's auth_token (all scopes) and the one token model (channels_app.tokens):
    enabled, not expired, and for a person's token its user active, staff and allowed those scopes."""
    if not token:
        return AuthResult(False)
    if config.auth_token and hmac.compare_digest(token.encode(), config.auth_token.encode()):
        return AuthResult(True, frozenset(ALL_SCOPES), "gateway")
    found = tokens.check(token)
    if found is None:
        return AuthResult(False)
    return AuthResult(True, expand_scopes(found.scopes), found.token.name, token_id=found.token.pk)


def _is_loopback(host: str | None) -> bool:
    if not host:
        return True  # in-process test transports have no server address
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host in {"localhost"}


def origin_allowed(scope: dict[str, Any], config: RealtimeConfig) -> bool:
    """CSWSH guard: any origin on a loopback bind; otherwise an exact allow-list match (or '*')."""
    origin = None
    for name, value in scope.get("headers", []):
        if name.lower() == b"origin":
            origin = value.decode("latin-1")
    if origin is None:
        return True  # not a browser: no cross-site risk
    server = scope.get("server") or (None, None)
    if _is_loopback(server[0]) and not config.allowed_origins:
        return True
    return "*" in config.allowed_origins or origin in config.allowed_origins


def authenticate_scope(scope: dict[str, Any]) -> tuple[AuthResult, RealtimeConfig]:
    """Full connection check (origin, then token); returns the config it read so the consumer reuses it."""
    config = load_config()
    if not origin_allowed(scope, config):
        return AuthResult(False, code="origin_not_allowed", message="Origin not allowed"), config
    return authenticate_token(token_from_scope(scope), config), config


class GatewayAuthMiddleware:
    """ASGI middleware: stores `gateway_auth` and `gateway_config` in the scope before the consumer runs."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") == "websocket":
            # Remote agents answer over this loop: tell code on other threads where the consumers live.
            bind_event_loop(asyncio.get_running_loop())
            checked = fast_path(scope)
            if checked is None:
                checked = await pooled(authenticate_scope)(scope)
            result, config = checked
            scope = {**scope, "gateway_auth": result, "gateway_config": config}
        return await self.inner(scope, receive, send)


def fast_path(scope: dict[str, Any]) -> tuple[AuthResult, RealtimeConfig] | None:
    """Decide without the database when the config is cached and the token is the gateway's own (connect bursts)."""
    config = cached_config()
    token = token_from_scope(scope)
    if config is None or not token or not config.auth_token:
        return None
    if not hmac.compare_digest(token.encode(), config.auth_token.encode()):
        return None  # maybe a scoped token: ask the database
    if not origin_allowed(scope, config):
        return AuthResult(False, code="origin_not_allowed", message="Origin not allowed"), config
    return AuthResult(True, frozenset(ALL_SCOPES), "gateway"), config
