"""API test fixtures: a staff user with an admin token, a read-only token, and clients that send them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from console_app.roles import ADMIN, assign_role
from routing.api.models import ApiToken


@pytest.fixture
def staff_user(db):
    user = get_user_model().objects.create_user("operator", password="operator-pass-123")
    assign_role(user, ADMIN)  # the admin role: configuration writes (console_app.roles)
    return user


@pytest.fixture
def admin_token(staff_user) -> str:
    _, raw = ApiToken.issue(staff_user, "tests-admin", ApiToken.Scope.ADMIN)
    return raw


@pytest.fixture
def read_token(staff_user) -> str:
    _, raw = ApiToken.issue(staff_user, "tests-read", ApiToken.Scope.READ)
    return raw


@pytest.fixture
def api(admin_token) -> APIClient:
    """A client with an admin-scoped token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {admin_token}")
    return client


@pytest.fixture
def reader(read_token) -> APIClient:
    """A client with a read-only token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {read_token}")
    return client


@pytest.fixture
def anonymous(db) -> APIClient:
    return APIClient()
