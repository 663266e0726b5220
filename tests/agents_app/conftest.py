"""Shared test setup for the agents app."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from asgiref.sync import sync_to_async
from django.db import connections


@pytest.fixture(scope="session", autouse=True)
def close_async_orm_connections(django_db_setup: None) -> Iterator[None]:
    """The async ORM runs queries on asgiref's one shared worker thread; close that thread's connections at the
    end so PostgreSQL can drop the test database (otherwise "database is being accessed by other users")."""
    yield
    asyncio.run(sync_to_async(connections.close_all, thread_sensitive=True)())
