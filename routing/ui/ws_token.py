"""A WebSocket token for the operator pages, so a logged-in staff user's browser can speak the /ws protocol.

One AccessToken row per user (`ops-<user id>`), its secret rotated on every page load and given only to that page:
the clear value is never stored, and an older tab keeps its open socket but cannot open a new one.
"""

from __future__ import annotations

import secrets

from channels_app.realtime.models import AccessToken


def ops_token_for(user: object) -> str:
    """A fresh admin-scoped WebSocket token for `user`'s operator pages (rotates the previous one)."""
    raw = "gw_" + secrets.token_urlsafe(32)
    AccessToken.objects.update_or_create(
        name=f"ops-{user.pk}",
        defaults={"token_hash": AccessToken.hash(raw), "prefix": raw[:10], "scopes": ["admin"], "enabled": True},
    )
    return raw
