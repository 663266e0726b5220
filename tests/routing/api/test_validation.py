"""Bad input gets the same message as the YAML importer gives for it, under the API's field path."""

from __future__ import annotations

import pytest

from agents_app.models import Agent
from channels_app.models import ChannelInstance
from routing.yaml_config.importer import import_gateway_yaml
from routing.yaml_config.issues import ConfigError

pytestmark = pytest.mark.django_db


def importer_messages(text: str) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        import_gateway_yaml(text)
    return {issue.path: issue.message for issue in caught.value.issues}


def api_errors(response) -> dict[str, str]:
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["detail"] == "Invalid input."
    return {error["field"]: error["message"] for error in body["errors"]}


def test_an_unknown_agent_in_a_routing_rule_reads_like_the_importers(api):
    Agent.objects.create(name="vip-agent", model="echo")
    ChannelInstance.objects.create(name="telegram-vip", platform="telegram", credentials={"token": "1:x"})
    yaml_text = (
        "channels:\n  telegram-vip:\n    platform: telegram\n    token: '1:x'\n    routing:\n      default: vip-agnt\n"
    )
    expected = importer_messages(yaml_text)["channels.telegram-vip.routing.default"]
    assert expected == "unknown agent 'vip-agnt' (did you mean 'vip-agent'?)"

    response = api.post(
        "/api/v1/routing-rules/", {"instance": "telegram-vip", "context": "default", "agent": "vip-agnt"}, format="json"
    )
    assert api_errors(response) == {"agent": expected}


def test_a_missing_credential_reads_like_the_importers(api):
    expected = importer_messages("channels:\n  wa-main:\n    platform: whatsapp\n    token: t-1\n")["channels.wa-main"]
    response = api.post(
        "/api/v1/channels/",
        {"name": "wa-main", "platform": "whatsapp", "credentials": {"token": "t-1"}},
        format="json",
    )
    assert api_errors(response) == {"credentials": expected}
    assert not ChannelInstance.objects.exists()


def test_an_out_of_range_temperature_reads_like_the_importers(api):
    expected = importer_messages("agents:\n  hot:\n    temperature: 3.5\n")["agents.hot.temperature"]
    response = api.post("/api/v1/agents/", {"name": "hot", "temperature": 3.5}, format="json")
    assert api_errors(response)["temperature"] in {expected, "Ensure this value is less than or equal to 2.0."}


def test_an_unknown_tool_reads_like_the_importers(api):
    expected = importer_messages("agents:\n  tooly:\n    tools: [serch_web]\n")["agents.tooly.tools[0]"]
    response = api.post("/api/v1/agents/", {"name": "tooly", "tools": ["serch_web"]}, format="json")
    assert api_errors(response) == {"tools[0]": expected}


def test_a_bad_option_value_is_reported_under_options(api):
    response = api.post(
        "/api/v1/channels/",
        {"name": "tg", "platform": "telegram", "credentials": {"token": "1:x"}, "options": {"group_policy": "loud"}},
        format="json",
    )
    errors = api_errors(response)
    assert list(errors) == ["options.group_policy"]
    assert errors["options.group_policy"].startswith("must be one of mention_only, all")


def test_a_schedule_with_a_bad_cron_and_an_unknown_channel_lists_both_fields(api):
    Agent.objects.create(name="helper", model="echo")
    body = {
        "name": "nightly",
        "schedule": "cron:61 * * * *",
        "message": "hi",
        "agent": "helper",
        "channel": "nowhere",
        "channel_id": "c1",
    }
    errors = api_errors(api.post("/api/v1/schedules/", body, format="json"))
    assert set(errors) == {"schedule", "channel"}
    assert errors["channel"] == "unknown channel 'nowhere'"


def test_a_guardrail_for_an_unknown_agent_is_refused(api):
    response = api.post("/api/v1/guardrails/", {"name": "g", "description": "d", "agent": "ghost"}, format="json")
    assert api_errors(response) == {"agent": "unknown agent 'ghost'"}


def test_a_bad_gateway_port_names_the_field(api):
    response = api.patch("/api/v1/gateway-settings", {"port": 70000}, format="json")
    errors = api_errors(response)
    assert "port" in errors


def test_deleting_an_agent_still_routed_to_says_what_holds_it(api):
    agent = Agent.objects.create(name="helper", model="echo")
    instance = ChannelInstance.objects.create(name="hooks", platform="webhook", credentials={"secret": "s"})
    instance.routing_rules.create(context="default", agent=agent)
    errors = api_errors(api.delete("/api/v1/agents/helper/"))
    assert errors[""].startswith("still in use by: hooks.default → helper")


def test_the_admin_shows_the_same_message_for_the_same_bad_agent(api, client):
    from django.contrib.auth import get_user_model

    api_message = api_errors(api.post("/api/v1/agents/", {"name": "tooly", "tools": ["serch_web"]}, format="json"))[
        "tools[0]"
    ]
    admin_user = get_user_model().objects.create_superuser("root", password="root-pass-123")
    client.force_login(admin_user)
    page = client.post(
        "/admin/agents_app/agent/add/",
        {"name": "tooly", "more_tools": "serch_web", "enabled": "on", "instructions": "", "model": "echo"},
    )
    assert page.status_code == 200  # the form is shown again with its errors
    from html import unescape

    assert api_message in unescape(page.content.decode())


def test_the_admin_shows_the_same_message_for_the_same_missing_credential(api, client):
    from html import unescape

    from django.contrib.auth import get_user_model

    body = {"name": "slack-main", "platform": "slack", "credentials": {"token": "xoxb-1"}}
    api_message = api_errors(api.post("/api/v1/channels/", body, format="json"))["credentials"]
    admin_user = get_user_model().objects.create_superuser("root", password="root-pass-123")
    client.force_login(admin_user)
    page = client.post(
        "/admin/channels_app/channelinstance/add/",
        {
            "name": "slack-main",
            "platform": "slack",
            "credentials": "token: xoxb-1",
            "options": "{}",
            "enabled": "on",
            "routing_rules-TOTAL_FORMS": "0",
            "routing_rules-INITIAL_FORMS": "0",
        },
    )
    assert api_message in unescape(page.content.decode())
