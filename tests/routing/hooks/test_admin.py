"""Hooks in the admin (secrets masked, runs listed) and PraisonAI files through the admin's import page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from agents_app.models import Agent
from gatewaysite.secrets import MASK
from routing.hooks.models import Hook, HookRun

pytestmark = pytest.mark.django_db

ONBOARD = (
    Path(__file__).resolve().parents[2] / "fixtures" / "gateway_yaml" / "praisonai" / "cli_hooks_and_schedules.yaml"
)


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-for-tests"))
    return client


def test_a_hooks_page_masks_its_token_and_lists_its_runs(staff: Client) -> None:
    agent = Agent.objects.create(name="inbox", model="echo")
    hook = Hook.objects.create(path="gmail", agent=agent, auth="literal-hook-token", deliver_to="telegram:1")
    HookRun.objects.create(hook=hook, key="k" * 64, status="failed", error="channel 'telegram' is disabled")
    page = staff.get(reverse("admin:routing_hook_change", args=[hook.pk])).content.decode()
    assert "literal-hook-token" not in page and MASK in page
    assert "channel &#x27;telegram&#x27; is disabled" in page


def test_the_admin_import_page_reads_a_file_praisonais_cli_wrote(staff: Client) -> None:
    url = reverse("admin:gateway_import_yaml")
    preview = staff.post(url, {"text": ONBOARD.read_text(), "preview": "1"}).content.decode()
    assert "create hook gmail" in preview
    assert "schedules.pulse.pre_run: ignored" in preview
