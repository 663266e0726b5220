"""Test-wide setup: a throwaway data folder and secret key, and a clean database teardown on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Iterator

import pytest

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("GATEWAY_DATA_DIR", tempfile.mkdtemp(prefix="gateway-test-data-"))
# Our tests never reach a non-loopback host, even by mistake (the schema fuzzer invents base_urls); child server
# processes inherit it. gatewaysite/egress.py refuses any other name before a DNS lookup.
os.environ.setdefault("GATEWAY_EGRESS_ALLOW", "127.0.0.0/8,::1,localhost")


TEST_TOOL_MODULES = ["tests.agents_app.sample_tools"]


@pytest.fixture(scope="session", autouse=True)
def register_test_tools() -> None:
    """The sample tools are registered the way a deployment registers its own: listed in GATEWAY_TOOL_MODULES
    (settings may already be loaded when this file runs, so set both the setting and, for subprocesses, the variable)."""
    from django.conf import settings

    from agents_app.tools.registry import forget_loaded_modules

    os.environ["GATEWAY_TOOL_MODULES"] = ",".join(TEST_TOOL_MODULES)
    settings.GATEWAY_TOOL_MODULES = list(TEST_TOOL_MODULES)
    forget_loaded_modules()


@pytest.fixture(scope="session", autouse=True)
def close_connections_before_teardown(django_db_setup: None, django_db_blocker: object) -> Iterator[None]:
    """The async ORM's shared thread and background worker threads keep their own connections; PostgreSQL refuses to
    drop a test database that anyone is still connected to, so close ours and end stragglers before teardown."""
    yield
    from asgiref.sync import sync_to_async
    from django.db import connection, connections

    with django_db_blocker.unblock():
        asyncio.run(sync_to_async(connections.close_all, thread_sensitive=True)())
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        connections.close_all()
