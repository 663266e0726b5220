"""Commands that read or write the configuration say "run migrate first" instead of a traceback on a fresh database."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor


def require_migrated() -> None:
    """Raise CommandError when the database is missing tables this code needs (migrations not applied)."""
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise CommandError(
            f"the database cannot be read ({type(exc).__name__}): run `python manage.py migrate` first"
        ) from exc
    if pending:
        raise CommandError(
            f"the database is not migrated ({len(pending)} migration(s) pending): run `python manage.py migrate` first"
        )
