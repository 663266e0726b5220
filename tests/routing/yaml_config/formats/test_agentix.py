"""An Agentix `.agentix/gateway.yaml` imports with `import_gateway_yaml` (detected, or `--format agentix`): what has
a home here becomes our rows, what has none is one warning naming the key, and the result exports in our format."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from agents_app.models import Agent
from channels_app.models import ChannelInstance, GatewaySettings

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "gateway_yaml" / "agentix"

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def imported(name: str, *extra: str) -> tuple[str, str]:
    return run("import_gateway_yaml", str(FIXTURES / name), *extra)


def routes(instance: str) -> dict[str, str]:
    return dict(ChannelInstance.objects.get(name=instance).routing_rules.values_list("context", "agent__name"))


def test_the_agent_block_becomes_one_agent_with_memory_on() -> None:
    imported("slack_whatsapp.yaml")
    agent = Agent.objects.get()
    assert agent.name == "support-agent"
    assert agent.instructions == "You are a helpful support agent."
    assert agent.model == "claude-sonnet-4-20250514"
    assert agent.base_url == "http://127.0.0.1:4000/v1"
    assert agent.api_key == "${ANTHROPIC_API_KEY}"
    assert agent.tools == ["search_web"]
    assert agent.memory is True


def test_the_gateway_block_becomes_the_gateway_settings() -> None:
    imported("slack_whatsapp.yaml")
    settings = GatewaySettings.load()
    assert (settings.host, settings.port) == ("0.0.0.0", 8080)
    assert settings.session_timeout == 7200
    assert settings.session_reset_commands == ["/new", "/restart"]
    assert settings.background_command == "/bg"
    assert settings.background_notification_level == "error"
    assert settings.max_background_tasks == 2


def test_slack_keywords_auth_and_the_rate_limit_middleware_become_the_instance() -> None:
    imported("slack_whatsapp.yaml")
    slack = ChannelInstance.objects.get(name="slack")
    assert slack.platform == "slack"
    assert slack.credentials == {"token": "${SLACK_BOT_TOKEN}", "signing_secret": "${SLACK_SIGNING_SECRET}"}
    assert slack.options == {
        "allowed_users": ["U0ALICE001", "U0BOB00002"],
        "blocked_users": ["U0MALLORY1"],
        "allowed_channels": ["C0SUPPORT1"],
        "sender_rate_limit": 10,
        "rate_limit_reply": "Slow down a little, please.",
    }
    assert routes("slack") == {"default": "support-agent"}


def test_whatsapp_keywords_become_the_cloud_api_credentials() -> None:
    imported("slack_whatsapp.yaml")
    whatsapp = ChannelInstance.objects.get(name="whatsapp")
    assert whatsapp.platform == "whatsapp"
    assert whatsapp.credentials == {
        "token": "${WHATSAPP_ACCESS_TOKEN}",
        "phone_number_id": "106540352242922",
        "verify_token": "${WHATSAPP_VERIFY_TOKEN}",
        "app_secret": "${WHATSAPP_APP_SECRET}",
    }
    assert routes("whatsapp") == {"default": "support-agent"}


def test_each_key_without_a_meaning_here_is_one_warning_naming_it() -> None:
    _, err = imported("slack_whatsapp.yaml")
    warned = [line.split(":")[1].strip() for line in err.splitlines() if line.startswith("warning:")]
    for key in (
        "agent.max_tokens",
        "agent.max_iterations",
        "agent.tool_timeout",
        "agent.disallowed_tools",
        "agent.allowed_tools",
        "gateway.max_concurrent_queries",
        "middleware[1]",
        "logging",
    ):
        assert warned.count(key) == 1, key
    assert "agent.allowed_tools: ignored: no tool here named Bash" in err


def test_the_top_level_model_block_gives_the_agent_its_model_endpoint_and_key() -> None:
    _, err = imported("model_shortcut.yaml")
    agent = Agent.objects.get()
    assert agent.name == "Budget-Coordinator"
    assert (agent.model, agent.base_url, agent.api_key) == (
        "llama3.1-70b",
        "http://127.0.0.1:8000/v1",
        "${LOCAL_LLM_KEY}",
    )
    assert "agent.name: stored as 'Budget-Coordinator'" in err


def test_a_slack_channel_without_tokens_refers_to_the_variables_agentix_reads() -> None:
    imported("model_shortcut.yaml")
    assert ChannelInstance.objects.get(name="slack").credentials == {
        "token": "${SLACK_BOT_TOKEN}",
        "signing_secret": "${SLACK_SIGNING_SECRET}",
    }


def test_email_imap_and_smtp_keys_become_the_email_instance() -> None:
    _, err = imported("email.yaml")
    email = ChannelInstance.objects.get(name="email")
    assert email.credentials == {
        "imap_host": "imap.example.com",
        "smtp_host": "smtp.example.com",
        "username": "support@example.com",
        "password": "${EMAIL_PASSWORD}",
        "address": "support@example.com",
        "smtp_port": "587",
        "imap_port": "993",
    }
    assert email.options == {
        "smtp_security": "starttls",
        "imap_security": "tls",
        "mailbox": "Support",
        "poll_interval": 20,
        "from_name": "Example Support",
        "allowed_domains": ["example.com"],
    }
    assert "channels.email.max_attachment_size: ignored" in err
    assert Agent.objects.get().model == "gpt-4o-mini"


def test_each_webhook_route_becomes_an_instance_at_the_same_url() -> None:
    _, err = imported("webhook.yaml")
    ci = ChannelInstance.objects.get(name="github-ci")
    assert ci.platform == "webhook"
    assert ci.credentials == {"secret": "${GITHUB_WEBHOOK_SECRET}", "callback_url": "http://127.0.0.1:9000/ci"}
    assert ci.options == {"rate_limit": 30}
    assert routes("github-ci") == {"default": "triage"}
    assert Agent.objects.get(name="triage").model == "gpt-4o"
    alerts = ChannelInstance.objects.get(name="alerts")
    assert alerts.credentials == {"secret": "${WEBHOOK_SECRET}"}
    assert routes("alerts") == {"default": "ops-agent"}
    for key in ("events", "prompt"):
        assert f"channels.hooks.routes.github-ci.{key}: ignored" in err


def test_format_agentix_can_be_named_and_a_wrong_level_fails_with_its_key_path(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text("agent: {name: a, system_prompt: hi}\ngateway: {background_notification_level: loud}\n")
    with pytest.raises(CommandError):
        run("import_gateway_yaml", str(path), "--format", "agentix")
    path.write_text("agent: {name: a, system_prompt: hi}\ngateway: {background_notification_level: all}\n")
    run("import_gateway_yaml", str(path), "--format", "agentix")
    assert GatewaySettings.load().background_notification_level == "all"
    assert Agent.objects.get().memory is True


def test_an_imported_agentix_file_exports_in_our_format_and_reimports_unchanged(tmp_path: Path) -> None:
    imported("slack_whatsapp.yaml")
    imported("webhook.yaml")
    path = tmp_path / "exported.yaml"
    run("export_gateway_yaml", "-o", str(path))
    text = path.read_text()
    assert "adapter:" not in text and "agents:" in text and "session_reset_commands:" in text
    out, _ = run("import_gateway_yaml", str(path))
    assert "No changes" in out


def test_no_agent_block_gives_the_gateway_default_agent_and_top_level_auth_applies_to_every_channel(
    tmp_path: Path,
) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(
        "gateway: {session_ttl: 600}\n"
        "auth: {allowed_users: [U1]}\n"
        "channels:\n"
        "  slack: {adapter: slack}\n"
        "  phone: {adapter: whatsapp_baileys, session_dir: ./wa}\n"
    )
    _, err = run("import_gateway_yaml", str(path))
    agent = Agent.objects.get()
    assert (agent.name, agent.memory) == ("agentix-agent", True)
    assert "agent: missing" in err
    assert ChannelInstance.objects.get(name="slack").options == {"allowed_users": ["U1"]}
    assert "channels.phone: ignored: WhatsApp Web (Baileys) is not supported" in err
    assert not ChannelInstance.objects.filter(name="phone").exists()


def test_an_unknown_adapter_fails_with_its_key_path(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(
        "agent: {name: a, system_prompt: hi, provider: openai, model: gpt-4o}\nchannels:\n  x: {adapter: fax}\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_gateway_yaml", str(path), stdout=io.StringIO(), stderr=err)
    assert "error: channels.x.adapter: unknown adapter 'fax'" in err.getvalue()
