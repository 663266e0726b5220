"""Every operation in the OpenAPI schema: 401 without credentials; every write: 403 with a read-only token.

Driven by the schema itself, so an endpoint added later is covered without touching this file.
"""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
PLACEHOLDERS = {"name": "something", "id": "1", "channel": "alerts"}


def operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        url = re.sub(r"\{(\w+)\}", lambda m: PLACEHOLDERS.get(m.group(1), "x"), path)
        found.extend((method, url) for method in METHODS if method in item)
    return found


OPERATIONS = operations()
WRITES = [(method, url) for method, url in OPERATIONS if method != "get"]


def test_the_schema_lists_the_endpoints_the_issue_asks_for():
    paths = {url for _, url in OPERATIONS}
    for expected in (
        "/api/v1/agents/something/chat",
        "/api/v1/schedules/something/run/",
        "/api/v1/schedules/something/runs/",
        "/api/v1/config/import",
        "/api/v1/config/export",
        "/api/v1/push/channels/alerts/publish",
        "/api/v1/push/channels/alerts/presence",
        "/api/v1/broadcast",
        "/api/v1/status",
        "/api/v1/sessions/1/messages/",
        "/api/v1/provider",
        "/api/v1/gateway-settings",
    ):
        assert expected in paths


@pytest.mark.parametrize(("method", "url"), OPERATIONS, ids=lambda value: value)
def test_it_answers_401_without_credentials(anonymous, method, url):
    response = getattr(anonymous, method)(url, {}, format="json")
    assert response.status_code == 401, (method, url, response.status_code)
    assert "detail" in response.json()


@pytest.mark.parametrize(("method", "url"), WRITES, ids=lambda value: value)
def test_a_read_only_token_gets_403_on_every_write(reader, method, url):
    response = getattr(reader, method)(url, {}, format="json")
    assert response.status_code == 403, (method, url, response.status_code)
