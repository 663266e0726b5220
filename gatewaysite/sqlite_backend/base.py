"""Django's SQLite backend, with each statement's placeholder conversion remembered.

Why: Django's SQLite cursor turns `%s` into `?` with a regular expression on every execute, and the pipeline runs
the same few statements for every message (gatewaysite/fastsql.py, routing/pipeline/ledger.py): 4.7 µs of regex per
statement against 0.13 µs for a lookup (timeit), 2.3 % of the embedded server's samples under
bench/webhook_load.py (py-spy --gil). Everything else is Django's backend as it is.
"""

from __future__ import annotations

from functools import lru_cache

from django.db.backends.sqlite3 import base


@lru_cache(maxsize=1024)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is None:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name: str | None = None) -> SQLiteCursorWrapper:
        return self.connection.cursor(factory=SQLiteCursorWrapper)
