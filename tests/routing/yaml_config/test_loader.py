"""Hostile YAML gets a key-path error quickly at every door (API dry run, admin import page, CLI), never a 500,
a traceback or a busy core: alias bombs, `!!python/*` tags, 5,000-deep nesting, oversize text."""

from __future__ import annotations

import io
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from agents_app.models import Agent
from console_app.roles import ADMIN, assign_role
from routing.api.models import ApiToken
from routing.yaml_config.loader import MAX_BYTES

pytestmark = pytest.mark.django_db

# Nine levels of nine: 380 bytes that expand to 9**9 values; this one used to keep a core busy for minutes.
ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n" for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)
PYTHON_TAG = "agents:\n  helper:\n    model: echo\n    tools: !!python/object/apply:os.system ['echo pwned']\n"
DEEP = "agents:\n  helper:\n    tools: " + "[" * 5000 + "]" * 5000 + "\n"
SELF_ALIAS = "agents:\n  helper: &loop\n    tools: [*loop]\n"

CASES = {
    "alias-bomb": (ALIAS_BOMB, "", "alias bomb"),
    "python-tag": (PYTHON_TAG, "agents.helper.tools", "unsupported YAML tag"),
    "5000-deep": (DEEP, "agents.helper.tools.[0]", "nested more than 64 levels deep"),
    "self-alias": (SELF_ALIAS, "agents.helper.tools.[0]", "nested more than 64 levels deep"),
    "oversize": ("x: " + "y" * (MAX_BYTES + 1), "", f"the limit is {MAX_BYTES}"),
}


@pytest.fixture
def api() -> APIClient:
    user = get_user_model().objects.create_user("operator", password="operator-pass-123")
    assign_role(user, ADMIN)
    _, raw = ApiToken.issue(user, "tests-admin", ApiToken.Scope.ADMIN)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.mark.parametrize("name", CASES)
def test_a_hostile_file_is_a_400_naming_the_key_path_in_an_api_dry_run(api: APIClient, name: str) -> None:
    text, path, message = CASES[name]
    started = time.monotonic()
    response = api.post("/api/v1/config/import?dry_run=1", text.encode(), content_type="application/yaml")
    assert time.monotonic() - started < 5
    assert response.status_code == 400, response.content[:300]
    errors = response.json()["errors"]
    assert any(e["field"].startswith(path or "") and message in e["message"] for e in errors), errors
    if path:
        assert errors[0]["field"].startswith(path)


@pytest.mark.parametrize("name", ["alias-bomb", "python-tag", "5000-deep"])
def test_the_admin_import_page_shows_the_key_path_of_a_hostile_file(name: str) -> None:
    text, path, message = CASES[name]
    user = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-123")
    staff = Client()
    staff.force_login(user)
    response = staff.post(reverse("admin:gateway_import_yaml"), {"text": text, "preview": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and path in page
    assert not Agent.objects.exists()


@pytest.mark.parametrize("name", ["alias-bomb", "python-tag", "5000-deep"])
def test_the_cli_reports_a_hostile_file_as_a_key_path_error_not_a_traceback(tmp_path, name: str) -> None:
    text, path, message = CASES[name]
    source = tmp_path / "gateway.yaml"
    source.write_text(text)
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_gateway_yaml", str(source), "--dry-run", stdout=io.StringIO(), stderr=err)
    assert f"error: {path}" in err.getvalue() and message in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_anchors_and_merge_keys_for_shared_defaults_still_load(api: APIClient) -> None:
    text = (
        "x-defaults: &defaults\n  model: echo\n  instructions: Be brief.\n"
        "agents:\n  helper:\n    <<: *defaults\n  other:\n    <<: *defaults\n    instructions: Be long.\n"
    )
    response = api.post("/api/v1/config/import?dry_run=1", text.encode(), content_type="application/yaml")
    assert response.status_code in (200, 400), response.content[:300]
    errors = response.json().get("errors", [])
    assert not any("alias" in e["message"] or "tag" in e["message"] for e in errors), errors
