"""Connection hygiene for the gateway's own long-lived threads (pipeline workers, the WebSocket plane's pool).

Why not `close_old_connections`: with CONN_MAX_AGE 0 (the SQLite default) it closes the thread's connection after
every unit of work, and the next one opens a new connection, runs the WAL pragmas and registers Django's SQL
functions again; closing the last connection to a WAL database also checkpoints it. Profiles put that at about a
third of the WebSocket plane's database thread and ~5 % of the embedded server's CPU under the Slack load. These
threads are few and live as long as the process, so they keep their connections; one that broke, or outlived a
configured CONN_MAX_AGE (PostgreSQL), is still replaced.
"""

from __future__ import annotations

from django.db import connections


def keep_connections() -> None:
    """Django's request-boundary hygiene, except that a connection of this thread stays open between units."""
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            continue
        if not conn.settings_dict.get("CONN_MAX_AGE"):
            conn.close_at = None
        conn.close_if_unusable_or_obsolete()
