"""Operators configure the gateway in the admin: validation speaks plainly, secrets stay masked, YAML round-trips."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from agents_app.models import Agent
from channels_app.models import ChannelInstance
from gatewaysite.secrets import MASK
from routing.models import Schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "a-long-test-password"))
    return client


@pytest.fixture
def agent() -> Agent:
    return Agent.objects.create(name="support", model="echo")


def channel_form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "tg",
        "platform": "telegram",
        "credentials": "token: ${TG_TOKEN}",
        "options": "{}",
        "api_base_url": "",
        "enabled": "on",
        "routing_rules-TOTAL_FORMS": "0",
        "routing_rules-INITIAL_FORMS": "0",
        "routing_rules-MIN_NUM_FORMS": "0",
        "routing_rules-MAX_NUM_FORMS": "4",
    }
    data.update(overrides)
    return data


def test_an_unknown_platform_is_refused_with_a_readable_message(staff: Client) -> None:
    response = staff.post(reverse("admin:channels_app_channelinstance_add"), channel_form(platform="telegarm"))
    assert response.status_code == 200
    assert "Select a valid choice. telegarm is not one of the available choices." in response.content.decode()
    assert not ChannelInstance.objects.exists()


def test_a_missing_credential_is_named(staff: Client) -> None:
    response = staff.post(
        reverse("admin:channels_app_channelinstance_add"),
        channel_form(name="sl", platform="slack", credentials="token: xoxb-1"),
    )
    assert "missing credential signing_secret or app_token (required for slack)" in response.content.decode()
    assert not ChannelInstance.objects.exists()


def test_an_unknown_credential_key_gets_a_did_you_mean(staff: Client) -> None:
    response = staff.post(
        reverse("admin:channels_app_channelinstance_add"), channel_form(credentials="token: t\nsecret_tokn: s")
    )
    assert "secret_tokn: unknown key (did you mean &#x27;secret_token&#x27;?)" in response.content.decode()


def test_a_channel_with_a_routing_rule_is_created(staff: Client, agent: Agent) -> None:
    data = channel_form(
        **{
            "routing_rules-TOTAL_FORMS": "1",
            "routing_rules-0-context": "default",
            "routing_rules-0-agent": str(agent.pk),
        }
    )
    response = staff.post(reverse("admin:channels_app_channelinstance_add"), data)
    assert response.status_code == 302
    instance = ChannelInstance.objects.get(name="tg")
    assert instance.credentials == {"token": "${TG_TOKEN}"}
    assert instance.routing_rules.get().agent == agent


def test_a_route_to_a_disabled_agent_is_refused(staff: Client) -> None:
    retired = Agent.objects.create(name="retired", model="echo", enabled=False)
    data = channel_form(
        **{
            "routing_rules-TOTAL_FORMS": "1",
            "routing_rules-0-context": "default",
            "routing_rules-0-agent": str(retired.pk),
        }
    )
    response = staff.post(reverse("admin:channels_app_channelinstance_add"), data)
    assert "agent &#x27;retired&#x27; is disabled" in response.content.decode()
    assert not ChannelInstance.objects.exists()


def test_a_stored_secret_is_masked_and_saving_the_mask_keeps_it(staff: Client) -> None:
    instance = ChannelInstance.objects.create(name="tg", platform="telegram", credentials={"token": "123:real-secret"})
    url = reverse("admin:channels_app_channelinstance_change", args=[instance.pk])
    page = staff.get(url).content.decode()
    assert "123:real-secret" not in page
    assert f"token: {MASK}" in page
    response = staff.post(url, channel_form(credentials=f"token: {MASK}\nsecret_token: ${{TG_SECRET}}"))
    assert response.status_code == 302
    instance.refresh_from_db()
    assert instance.credentials == {"token": "123:real-secret", "secret_token": "${TG_SECRET}"}


def test_an_agent_api_key_is_masked_and_kept(staff: Client) -> None:
    agent = Agent.objects.create(name="support", model="gpt-4o-mini", api_key="sk-very-secret")
    url = reverse("admin:agents_app_agent_change", args=[agent.pk])
    assert "sk-very-secret" not in staff.get(url).content.decode()
    response = staff.post(url, {"name": "support", "model": "gpt-4o-mini", "api_key": MASK, "enabled": "on"})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.api_key == "sk-very-secret"


def test_an_unknown_tool_is_refused_on_its_field_in_the_importer_s_words(staff: Client) -> None:
    response = staff.post(
        reverse("admin:agents_app_agent_add"), {"name": "x", "more_tools": "search_webb", "enabled": "on"}
    )
    # The importer's message, on the Tools field, without the YAML key path (agents.x.tools[0]: …).
    assert "unknown tool &#x27;search_webb&#x27; (did you mean &#x27;search_web&#x27;?)" in (response.content.decode())


def test_an_invalid_cron_is_refused_with_a_readable_message(staff: Client, agent: Agent) -> None:
    instance = ChannelInstance.objects.create(name="tg", platform="telegram", credentials={"token": "t"})
    response = staff.post(
        reverse("admin:routing_schedule_add"),
        {
            "name": "daily",
            "schedule": "cron:0 25 * * *",
            "message": "hi",
            "agent": agent.pk,
            "instance": instance.pk,
            "channel_id": "1",
            "timezone": "UTC",
            "missed_run_policy": "skip",
            "enabled": "on",
            "runs-TOTAL_FORMS": "0",
            "runs-INITIAL_FORMS": "0",
        },
    )
    assert "bad cron hour field &#x27;25&#x27;" in response.content.decode()
    assert not Schedule.objects.exists()


def test_the_import_page_previews_then_applies(staff: Client) -> None:
    url = reverse("admin:gateway_import_yaml")
    text = "agents:\n  support:\n    model: echo\nchannels:\n  telegram:\n    token: t\n    routing:\n      default: support\n"
    preview = staff.post(url, {"text": text, "preview": "1"}).content.decode()
    assert "Would apply 3 change(s)" in preview
    assert "create channel telegram" in preview
    assert not Agent.objects.exists()
    staff.post(url, {"text": text, "apply": "1"})
    assert ChannelInstance.objects.get(name="telegram").routing_rules.get().agent.name == "support"


def test_the_import_page_shows_key_path_errors_and_writes_nothing(staff: Client) -> None:
    text = "agents:\n  support:\n    model: echo\nchannels:\n  telegram:\n    token: t\n    routing:\n      default: suport\n"
    page = staff.post(reverse("admin:gateway_import_yaml"), {"text": text, "apply": "1"}).content.decode()
    assert "channels.telegram.routing.default: unknown agent &#x27;suport&#x27;" in page
    assert not Agent.objects.exists()


def test_export_selected_channels_downloads_yaml_with_their_agents(staff: Client, agent: Agent) -> None:
    instance = ChannelInstance.objects.create(name="tg", platform="telegram", credentials={"token": "123:secret"})
    instance.routing_rules.create(context="default", agent=agent)
    response = staff.post(
        reverse("admin:channels_app_channelinstance_changelist"),
        {"action": "export_channels", "_selected_action": [instance.pk]},
    )
    body = response.content.decode()
    assert response["Content-Type"].startswith("application/yaml")
    assert "tg:" in body and "support:" in body and "default: support" in body
    assert "123:secret" not in body
