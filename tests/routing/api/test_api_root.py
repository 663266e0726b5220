"""/api/v1/ lists every endpoint; the docs pages load nothing from the internet; takeover over the API."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from channels_app.models import ChannelInstance
from console_app.roles import OPERATOR, VIEWER, assign_role
from routing.api.models import ApiToken
from routing.models import Session

pytestmark = pytest.mark.django_db


def test_the_api_root_lists_every_endpoint_of_the_schema(client) -> None:
    listed = {item["path"] for item in person(VIEWER).get("/api/v1/").json()["endpoints"]}
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    documented = {re.sub(r"\{(\w+)\}", r"<\1>", path) for path in schema["paths"] if path.startswith("/api/v1/")}
    assert documented <= listed, documented - listed
    assert len(listed) >= 35


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_api_docs_load_nothing_from_another_host(client, url) -> None:
    html = client.get(url).content.decode()
    assert not re.search(r"""(?:src|href)=["']https?://""", html), html
    assert "fonts.googleapis" not in html


def person(role: str) -> APIClient:
    user = get_user_model().objects.create_user(f"api-{role}", password="pass-123456789")
    assign_role(user, role)
    _, raw = ApiToken.issue(user, "t", ApiToken.Scope.ADMIN)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_an_operator_takes_a_session_over_and_hands_it_back_over_the_api() -> None:
    instance = ChannelInstance.objects.create(name="hooks", platform="webhook", credentials={"secret": "s"})
    session = Session.objects.create(key="hooks:c1:", instance=instance, chat_id="c1")
    viewer, operator = person(VIEWER), person(OPERATOR)
    assert viewer.post(f"/api/v1/sessions/{session.pk}/takeover").status_code == 403
    started = operator.post(f"/api/v1/sessions/{session.pk}/takeover").json()
    assert started["takeover"]["by"] == "api-operator"
    assert viewer.get(f"/api/v1/sessions/{session.pk}/takeover").json()["takeover"]["by"] == "api-operator"
    assert operator.delete(f"/api/v1/sessions/{session.pk}/takeover").json() == {"takeover": None}
    refused = operator.post(f"/api/v1/sessions/{session.pk}/reply", {"text": "hi"}, format="json")
    assert refused.status_code == 400 and "take the conversation over" in str(refused.json())


def test_the_chat_example_in_the_schema_works_when_sent_as_is() -> None:
    from agents_app.models import Agent

    Agent.objects.create(name="helper", model="echo")
    client = person(OPERATOR)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/agents/{name}/chat"]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    for example in examples.values():
        response = client.post("/api/v1/agents/helper/chat", example["value"], format="json")
        assert response.status_code == 200, response.json()
