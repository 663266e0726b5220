"""A WebSocket token for the operator pages, so a logged-in staff user's browser can speak the /ws protocol.

It is an ordinary person's token (channels_app.realtime.tokens): tied to the user, scoped by the user's role
(viewer → read, operator → write, admin → admin), expiring, re-checked while the socket is open, and revoked with
the user's other tokens on deactivation, demotion or a password change. One per user (`ops`), its secret rotated on
every page load and given only to that page: an older tab keeps its open socket but cannot open a new one.
"""

from __future__ import annotations

from channels_app.realtime import tokens


def ops_token_for(user: object) -> str:
    """A fresh WebSocket token for `user`'s operator pages (rotates the previous one), within the user's role."""
    scope = tokens.scope_ceiling(user)
    return tokens.rotate_page_token(user, "ops", [scope] if scope else [])
