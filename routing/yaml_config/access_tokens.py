"""`gateway.auth.tokens` (PraisonAI's operator tokens): each `{token, scopes}` becomes a scoped access token.

PraisonAI gives the token's value (best a ${VAR}); only its SHA-256 is stored, under the name `gateway-yaml-<n>`,
so a second import of the same file changes nothing and a changed variable updates the stored hash. Values are never
exported (a file keeps its references; the database keeps hashes). PraisonAI's `approvals` and `pairing` scopes have
no counterpart here and are dropped with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gatewaysite.secrets import resolve_secret
from routing.yaml_config.issues import join_path

if TYPE_CHECKING:
    from routing.yaml_config.validate import Validator

SCOPES = ("read", "write", "admin")
DROPPED_SCOPES = ("approvals", "pairing")
NAME_PREFIX = "gateway-yaml-"


@dataclass
class TokenConfig:
    """One `gateway.auth.tokens[i]`: the value (or reference) and our scopes."""

    name: str
    value: str
    scopes: list[str]


def validate_tokens(validator: Validator, auth: object) -> list[TokenConfig]:
    auth = validator.mapping("gateway.auth", auth)
    validator.unknown_keys("gateway.auth", auth, ["tokens"])
    entries = auth.get("tokens") or []
    if not validator.typed("gateway.auth.tokens", entries, list):
        return []
    tokens: list[TokenConfig] = []
    for index, entry in enumerate(entries):
        path = f"gateway.auth.tokens[{index}]"
        if not isinstance(entry, dict):
            validator.typed(path, entry, dict)
            continue
        validator.unknown_keys(path, entry, ["token", "scopes"])
        value = entry.get("token")
        if not isinstance(value, str) or not value.strip():
            validator.error(join_path(path, "token"), "missing: the token value (best a ${VAR})")
            continue
        validator.check_reference(join_path(path, "token"), value)
        scopes = entry.get("scopes", ["read", "write", "admin"])
        if not validator.typed(join_path(path, "scopes"), scopes, list):
            continue
        kept = []
        for scope in scopes:
            if scope in SCOPES:
                kept.append(scope)
            elif scope in DROPPED_SCOPES:
                validator.warn(join_path(path, "scopes"), f"ignored: scope {scope!r} has no counterpart here")
            else:
                validator.error(join_path(path, "scopes"), f"unknown scope {scope!r} (use {', '.join(SCOPES)})")
        tokens.append(TokenConfig(name=f"{NAME_PREFIX}{index + 1}", value=value.strip(), scopes=kept))
    return tokens


def apply_tokens(tokens: list[TokenConfig], upsert: Callable[..., object], warn: Callable[[str, str], None]) -> None:
    """Upsert one access token per entry whose value resolves; an unset variable leaves that token out."""
    from channels_app.realtime.models import AccessToken

    for index, item in enumerate(tokens):
        value = resolve_secret(item.value)
        if not value:
            warn(f"gateway.auth.tokens[{index}].token", "not imported: its variable is not set")
            continue
        values = {"token_hash": AccessToken.hash(value), "prefix": value[:10], "scopes": item.scopes, "enabled": True}
        # A service token (no user): never touch a person's token that happens to carry the same name.
        upsert(AccessToken, "access_token", item.name, {"name": item.name, "user": None}, values)
