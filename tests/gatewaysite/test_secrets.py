"""`${VAR}` references resolve at use time and an unset variable is never an empty secret."""

from __future__ import annotations

import pytest

from gatewaysite.secrets import mask, resolve_secret


def test_a_reference_resolves_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "xoxb-123")
    assert resolve_secret("${BOT_TOKEN}") == "xoxb-123"


def test_an_unset_variable_resolves_to_none_not_an_empty_string(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    assert resolve_secret("${NOT_SET_ANYWHERE}") is None


def test_a_literal_value_is_masked_but_a_reference_stays_readable() -> None:
    assert mask("xoxb-123") != "xoxb-123"
    assert "123" not in mask("xoxb-123")
    assert mask("${BOT_TOKEN}") == "${BOT_TOKEN}"
