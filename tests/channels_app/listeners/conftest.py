"""Shared helpers for listener tests: fast supervisor timing and a waiting helper (no timed assertions)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

FAST = {
    "reconcile": 0.05,
    "lease_ttl": 2.0,
    "renew": 0.05,
    "backoff_initial": 0.05,
    "backoff_max": 0.2,
    "fatal_retry": 30,
    "stop_timeout": 3,
}


@pytest.fixture
def fast_listeners(settings):
    settings.GATEWAY_LISTENER_TIMING = FAST
    return settings


def wait_for(condition: Callable[[], object], timeout: float = 8.0, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"{what} not reached within {timeout}s")
