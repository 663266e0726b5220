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


# -- which variables configuration may expand (GATEWAY_ENV_ALLOW / GATEWAY_ENV_DENY) ---------------------------------

HOOKS = "channels:\n  hooks:\n    platform: webhook\n    secret: s\n    callback_url: {url}\n"


@pytest.fixture
def admin_api(db):
    """An administrator's browser session on the real API."""
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(get_user_model().objects.create_superuser("admin", "admin@example.com", "admin-pass-123"))
    return client


def dry_run(api, text: str):
    return api.post("/api/v1/config/import?dry_run=1", text.encode(), content_type="application/yaml")


@pytest.mark.parametrize("variable", ["HOME", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PATH"])
def test_a_reference_to_a_process_variable_is_an_error_naming_the_key_path(admin_api, variable) -> None:
    response = dry_run(admin_api, HOOKS.format(url=f"http://127.0.0.1:9/leak?d=${{{variable}}}"))
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "channels.hooks.callback_url"
    assert f"${{{variable}}} may not be used in configuration" in error["message"]


def test_platform_and_model_key_references_still_expand(admin_api, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "OPENAI_API_KEY", "TELEGRAM_BOT_TOKEN", "HOOK_SECRET"):
        monkeypatch.setenv(name, f"value-of-{name}")
    text = (
        "agents:\n  helper:\n    model: echo\n    api_key: ${OPENAI_API_KEY}\n"
        "channels:\n  slack:\n    token: ${SLACK_BOT_TOKEN}\n    signing_secret: ${SLACK_SIGNING_SECRET}\n"
        "  telegram:\n    token: ${TELEGRAM_BOT_TOKEN}\n"
        "  hooks:\n    platform: webhook\n    secret: ${HOOK_SECRET}\n"
    )
    response = dry_run(admin_api, text)
    assert response.status_code == 200, response.json()
    assert resolve_secret("${SLACK_BOT_TOKEN}") == "value-of-SLACK_BOT_TOKEN"


def test_a_refused_variable_never_leaves_the_process_even_when_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "the-real-secret-key")
    assert resolve_secret("http://127.0.0.1:9/leak?d=${SECRET_KEY}") is None
    assert resolve_secret("${SECRET_KEY}") is None


def test_an_allow_list_expands_only_the_names_it_lists(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.GATEWAY_ENV_ALLOW = ["SLACK_*", "OPENAI_API_KEY"]
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-1")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:abc")
    assert resolve_secret("${SLACK_BOT_TOKEN}") == "xoxb-1"
    assert resolve_secret("${OPENAI_API_KEY}") == "sk-1"
    assert resolve_secret("${TELEGRAM_BOT_TOKEN}") is None
