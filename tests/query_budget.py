"""Count the SQL statements a piece of work runs on every thread, for the query-budget tests.

Why every thread: a turn's queries run on several threads (a pipeline worker, the WebSocket plane's database pool,
Channels' shared database thread), each on its own connection, so Django's per-connection CaptureQueriesContext
sees only part of them. This wraps the one method every backend cursor executes through; it observes, it changes
nothing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.utils import CursorWrapper

# Savepoints are counted: each is a round trip of its own (BEGIN and COMMIT are not statements on every backend).
_TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK)\b", re.IGNORECASE)


@contextmanager
def queries_on_all_threads(ignore: tuple[str, ...] = ()) -> Iterator[list[str]]:
    """Yields the list of statements run while the block is open (BEGIN, COMMIT, ROLLBACK and `ignore`d tables left
    out)."""
    seen: list[str] = []
    lock = threading.Lock()
    original = CursorWrapper._execute
    original_many = CursorWrapper._executemany

    def note(sql: str) -> None:
        if _TRANSACTION_CONTROL.match(sql) or any(table in sql for table in ignore):
            return
        with lock:
            seen.append(sql)

    def execute(self: CursorWrapper, sql: str, *args: object) -> object:
        note(sql)
        return original(self, sql, *args)

    def executemany(self: CursorWrapper, sql: str, *args: object) -> object:
        note(sql)
        return original_many(self, sql, *args)

    CursorWrapper._execute = execute  # type: ignore[method-assign]
    CursorWrapper._executemany = executemany  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        CursorWrapper._execute = original  # type: ignore[method-assign]
        CursorWrapper._executemany = original_many  # type: ignore[method-assign]


def listing(queries: list[str]) -> str:
    return "\n".join(sql[:160] for sql in queries)
