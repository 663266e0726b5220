"""On PostgreSQL the pipeline's statements are prepared by the server once per connection (gatewaysite/env.py): the
same dozen statements run for every message, and parsing and planning them again each time was CPU that the
database spent per message (bench/webhook_load.py --distributed)."""

from __future__ import annotations

import pytest
from django.db import connection

from channels_app.models import InboundEvent
from routing.pipeline import ledger

pytestmark = pytest.mark.django_db


def test_a_statement_run_again_and_again_is_prepared_by_the_server() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (DATABASE_URL)")
    for _ in range(6):
        assert not ledger.has_unfinished("no-such-conversation")
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    table = InboundEvent._meta.db_table
    assert any(table in sql and "LIMIT 1" in sql for sql in prepared), prepared
