"""Cookies are Secure and HSTS is sent whenever the site is served over HTTPS, on the real middleware chain."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


def log_in(client: Client, **extra: object):
    get_user_model().objects.create_superuser("admin", "admin@example.com", "admin-pass-123")
    client.get("/admin/login/", **extra)
    return client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "admin-pass-123"}, **extra)


def test_a_login_over_tls_sets_secure_cookies_and_hsts() -> None:
    response = log_in(Client(), secure=True)
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["csrftoken"]["secure"] is True
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_a_login_over_plain_http_keeps_cookies_usable_and_sends_no_hsts() -> None:
    response = log_in(Client())
    assert response.status_code == 302
    assert not response.cookies["sessionid"]["secure"]
    assert not response.has_header("Strict-Transport-Security")


def test_behind_a_tls_proxy_gateway_https_marks_cookies_secure(settings) -> None:
    settings.GATEWAY_HTTPS = True
    response = log_in(Client())
    assert response.cookies["sessionid"]["secure"] is True
    assert response.has_header("Strict-Transport-Security")


def test_hsts_can_be_turned_off_while_cookies_stay_secure(settings) -> None:
    settings.GATEWAY_HSTS_SECONDS = 0
    response = log_in(Client(), secure=True)
    assert response.cookies["sessionid"]["secure"] is True
    assert not response.has_header("Strict-Transport-Security")
