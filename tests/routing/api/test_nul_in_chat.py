"""A NUL character (U+0000) in a REST chat message is a 400 naming the field, never a failed turn (PostgreSQL refuses
NUL in text columns; DRF's CharField refuses it first)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from agents_app.models import Agent

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_chat_message_with_nul_is_a_400_naming_the_field() -> None:
    Agent.objects.create(name="echoer", model="echo", memory=True)
    client = APIClient()
    client.force_login(get_user_model().objects.create_superuser("admin", "admin@example.com", "admin-pass-123"))
    response = client.post("/api/v1/agents/echoer/chat", {"message": "hello\u0000 there"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "message"
