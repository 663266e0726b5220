"""The admin is ours: branding, a landing page at /, celery-beat's raw tables hidden, the webhook URL on each channel,
routing rules on their own page, the model checked on save, a Test agent button, and warnings that matter."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client

from agents_app.models import Agent
from channels_app.models import ChannelInstance
from console_app.model_check import check_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def root() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", password="root-pass-123"))
    return client


def agent_form(**overrides: object) -> dict[str, object]:
    form = {"name": "helper", "instructions": "", "model": "echo", "temperature": "", "api_key": ""}
    form.update(overrides)
    return form


def test_the_landing_page_links_everywhere_and_shows_no_secret(client) -> None:
    from channels_app.models import GatewaySettings

    settings_row = GatewaySettings.load()
    settings_row.auth_token = "gw-landing-secret-value"
    settings_row.save()
    ChannelInstance.objects.create(name="acme", platform="slack", credentials={"token": "xoxb-landing-secret"})
    html = client.get("/").content.decode()
    for link in ('href="/admin/"', 'href="/ops/"', 'href="/api/docs/"', 'href="/health"', 'href="/api/v1/"'):
        assert link in html
    assert "landing-secret" not in html and "acme" not in html


def test_the_admin_is_branded_and_hides_celery_beat_tables(root) -> None:
    html = root.get("/admin/").content.decode()
    assert "Agent gateway" in html and "Django administration" not in html
    for hidden in ("Periodic tasks", "Crontabs", "Clocked", "Solar events", "Intervals"):
        assert hidden not in html, hidden
    assert "Routing rules" in html and root.get("/admin/routing/routingrule/").status_code == 200


def test_each_channel_page_shows_its_webhook_url_with_a_copy_button(root) -> None:
    instance = ChannelInstance.objects.create(name="acme-slack", platform="slack", credentials={"token": "x"})
    html = root.get(f"/admin/channels_app/channelinstance/{instance.pk}/change/").content.decode()
    assert 'value="http://testserver/webhooks/acme-slack/"' in html and 'id="copy-webhook-url"' in html
    assert "/webhooks//" not in html


def test_a_model_no_provider_knows_is_a_warning_with_a_suggestion() -> None:
    check = check_model("gtp-4o")
    assert not check.errors and "did you mean 'gpt-4o'" in check.warnings[0]


def test_a_missing_key_is_an_error_naming_the_variable(monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert "OPENAI_API_KEY" in check_model("gpt-4o").errors["api_key"]
    monkeypatch.delenv("POLISH_TEST_KEY", raising=False)
    assert "POLISH_TEST_KEY" in check_model("gpt-4o", api_key="${POLISH_TEST_KEY}").errors["api_key"]


def test_saving_an_agent_warns_about_an_unknown_model_and_errs_on_a_missing_key(root, monkeypatch) -> None:
    response = root.post("/admin/agents_app/agent/add/", agent_form(model="gtp-4o"), follow=True)
    assert any("did you mean 'gpt-4o'" in str(m) for m in get_messages(response.wsgi_request))
    assert Agent.objects.filter(name="helper").exists()
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    response = root.post("/admin/agents_app/agent/add/", agent_form(name="other", model="gpt-4o"))
    assert response.status_code == 200 and "OPENAI_API_KEY" in response.content.decode()
    assert not Agent.objects.filter(name="other").exists()


def test_a_field_error_sits_on_its_field_without_a_yaml_key_path(root) -> None:
    response = root.post("/admin/agents_app/agent/add/", agent_form(temperature="7"))
    html = response.content.decode()
    assert "agents.helper.temperature" not in html


def test_disabling_a_routed_agent_warns_where_it_is_still_routed(root) -> None:
    agent = Agent.objects.create(name="helper", model="echo")
    instance = ChannelInstance.objects.create(name="hooks", platform="webhook", credentials={"secret": "s"})
    instance.routing_rules.create(context="default", agent=agent)
    form = agent_form()
    form.pop("temperature")
    response = root.post(f"/admin/agents_app/agent/{agent.pk}/change/", {**form, "enabled": ""}, follow=True)
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("disabled but still routed" in note and "hooks.default" in note for note in notes), notes


def test_the_test_agent_button_runs_one_turn_and_shows_the_answer(root) -> None:
    agent = Agent.objects.create(name="helper", model="echo")
    page = root.get(f"/admin/agents_app/agent/{agent.pk}/change/").content.decode()
    assert 'id="test-agent"' in page
    response = root.post(f"/admin/agents_app/agent/{agent.pk}/test/", {"message": "ping from the admin"}, follow=True)
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("answered" in note and "ping from the admin" in note for note in notes), notes
    assert any("/ops/traces/run-" in note for note in notes)


def test_a_past_at_schedule_warns_that_it_will_never_fire(root) -> None:
    agent = Agent.objects.create(name="helper", model="echo")
    instance = ChannelInstance.objects.create(name="hooks", platform="webhook", credentials={"secret": "s"})
    form = {
        "name": "once",
        "schedule": "at:2020-01-01T09:00:00",
        "message": "hi",
        "agent": agent.pk,
        "instance": instance.pk,
        "channel_id": "c1",
        "thread_id": "",
        "timezone": "UTC",
        "missed_run_policy": "skip",
        "enabled": "on",
        "runs-TOTAL_FORMS": "0",
        "runs-INITIAL_FORMS": "0",
    }
    response = root.post("/admin/routing/schedule/add/", form, follow=True)
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("will not fire" in note for note in notes), (notes, response.content.decode()[:3000])


def test_the_export_page_lists_the_variables_to_set_before_the_download(root, monkeypatch) -> None:
    monkeypatch.delenv("ACME_SLACK_TOKEN", raising=False)
    ChannelInstance.objects.create(
        name="acme", platform="slack", credentials={"token": "${ACME_SLACK_TOKEN}", "signing_secret": "in-clear"}
    )
    html = root.get("/admin/channels_app/channelinstance/export-yaml/").content.decode()
    assert "ACME_SLACK_TOKEN" in html and "GATEWAY_ACME_SIGNING_SECRET" in html and "in-clear" not in html
    download = root.get("/admin/channels_app/channelinstance/export-yaml/?download=1")
    assert download["Content-Disposition"].startswith("attachment") and b"${ACME_SLACK_TOKEN}" in download.content


def test_tools_are_a_multi_select_of_the_registered_tools(root) -> None:
    html = root.get("/admin/agents_app/agent/add/").content.decode()
    assert 'type="checkbox" name="tools" value="search_web"' in html and "Enter a valid JSON" not in html
    response = root.post("/admin/agents_app/agent/add/", agent_form(tools=["search_web", "get_weather"]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Agent.objects.get(name="helper").tools == ["search_web", "get_weather"]


def test_an_option_typo_is_reported_under_options_not_credentials(root) -> None:
    form = {
        "name": "acme",
        "platform": "slack",
        "credentials": "token: xoxb-1\nsigning_secret: s",
        "options": '{"group_polcy": "all"}',
        "api_base_url": "",
        "enabled": "on",
        "routing_rules-TOTAL_FORMS": "0",
        "routing_rules-INITIAL_FORMS": "0",
    }
    response = root.post("/admin/channels_app/channelinstance/add/", form)
    errors = response.context["adminform"].form.errors
    assert "group_polcy" in str(errors.get("options")) and "credentials" not in errors, errors
