"""Fixtures shared by the outbound-policy tests."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every host name anything in the process asks DNS about (the real resolver still answers)."""
    seen: list[str] = []
    real = socket.getaddrinfo

    def spy(host, *args, **kwargs):  # noqa: ANN001, ANN202 - socket.getaddrinfo's signature
        seen.append(str(host))
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", spy)
    return seen
