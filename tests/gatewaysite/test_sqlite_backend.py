"""gatewaysite/sqlite_backend: SQLite statements run exactly as on Django's own backend, and the `%s` → `?`
conversion of a statement is done once, not on every execute."""

from __future__ import annotations

import pytest
from django.db import connection

from gatewaysite.sqlite_backend.base import _qmark

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the embedded mode's backend"),
]


def test_positional_named_and_literal_percent_parameters_work_as_on_djangos_backend() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s || '%%', %s + 1", ["50", 41])
        assert cursor.fetchone() == ("50%", 42)
        cursor.execute("SELECT %(word)s, %(n)s * 2", {"word": "named", "n": 21})
        assert cursor.fetchone() == ("named", 42)


def test_a_repeated_statement_is_converted_once() -> None:
    sql = "SELECT %s AS repeated_statement_probe"
    with connection.cursor() as cursor:
        cursor.execute(sql, [1])
        before = _qmark.cache_info()
        for n in range(5):
            cursor.execute(sql, [n])
            assert cursor.fetchone() == (n,)
    after = _qmark.cache_info()
    assert after.hits - before.hits == 5 and after.misses == before.misses
