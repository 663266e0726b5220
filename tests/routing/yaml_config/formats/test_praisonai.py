"""PraisonAI's own config shapes (written from praisonai-bot 0.1.16's schema and onboarding) import unchanged."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from agents_app.models import Agent
from channels_app.models import ChannelInstance, GatewaySettings
from routing.models import Hook, Schedule

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "gateway_yaml" / "praisonai"
ALL = sorted(FIXTURES.glob("*.yaml"))

pytestmark = pytest.mark.django_db


def run(path: Path | str) -> tuple[str, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_gateway_yaml", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue().splitlines()


def routes(name: str) -> dict[str, str]:
    return dict(ChannelInstance.objects.get(name=name).routing_rules.values_list("context", "agent__name"))


@pytest.fixture(autouse=True)
def _no_praisonai_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_ALLOWED_USERS", "UNSET_DISCORD_TOKEN_FOR_TEST"):
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.parametrize("path", ALL, ids=[path.stem for path in ALL])
def test_each_praisonai_shape_imports_and_a_second_import_changes_nothing(path: Path) -> None:
    out, _ = run(path)
    assert "Applied" in out
    out, _ = run(path)
    assert "No changes" in out


def test_the_onboard_file_gives_every_channel_its_route_reactions_and_env_user_list() -> None:
    run(FIXTURES / "onboard_single.yaml")
    assert list(Agent.objects.values_list("name", flat=True)) == ["assistant"]
    for name in ("telegram", "slack", "discord", "whatsapp"):
        assert routes(name) == {"default": "assistant"}
        options = ChannelInstance.objects.get(name=name).options
        assert options["ack_emoji"] == "⏳" and options["done_emoji"] == "✅"
        assert options["ack_scope"] == "group-mentions"
        assert options["allowed_users"] == f"${{{name.upper()}_ALLOWED_USERS}}"


def test_a_slack_instance_with_only_a_bot_token_takes_its_app_token_from_the_environment() -> None:
    _, err = run(FIXTURES / "onboard_single.yaml")
    slack = ChannelInstance.objects.get(name="slack")
    assert slack.credentials == {"token": "${SLACK_BOT_TOKEN}", "app_token": "${SLACK_APP_TOKEN}"}
    assert "warning: channels.slack.app_token: not in the file: read from ${SLACK_APP_TOKEN} as PraisonAI does" in err


def test_the_legacy_agent_block_names_an_agent_and_role_goal_backstory_become_its_instructions() -> None:
    run(FIXTURES / "single_bot.yaml")
    helper = Agent.objects.get(name="helper")
    assert helper.instructions == (
        "You are a concise research assistant.\n\nYour goal: answer with sources\n\n"
        "You worked ten years as a librarian.\n\nKeep answers under five sentences."
    )
    assert helper.model == "echo"
    assert helper.tools == ["search_web"]


def test_a_single_bot_file_becomes_one_instance_with_its_admission_policy() -> None:
    _, err = run(FIXTURES / "single_bot.yaml")
    telegram = ChannelInstance.objects.get(name="telegram")
    assert telegram.credentials == {"token": "${TELEGRAM_BOT_TOKEN}"}
    assert telegram.options == {"unknown_user_policy": "pair", "owner_user_id": "987654321"}
    assert any("unknown_user_policy: pair: unknown users are refused" in line for line in err)


def test_top_level_routing_fills_the_routes_of_platforms_channels() -> None:
    run(FIXTURES / "botos_platforms.yaml")
    assert routes("telegram") == {"default": "assistant"}
    assert ChannelInstance.objects.get(name="discord").options == {"allowed_users": ["111", "222"]}


def test_schedules_written_by_the_cli_deliver_to_the_platforms_only_instance() -> None:
    _, err = run(FIXTURES / "cli_hooks_and_schedules.yaml")
    assert Schedule.objects.get(name="morning").instance.name == "telegram_main"
    assert Schedule.objects.get(name="pulse").schedule == "every:30m"
    assert "warning: schedules.pulse.pre_run: ignored: schedules have no shell go/no-go gate" in err


def test_a_hook_added_by_the_cli_becomes_a_hook_at_the_same_path() -> None:
    _, err = run(FIXTURES / "cli_hooks_and_schedules.yaml")
    hook = Hook.objects.get(path="gmail")
    assert (hook.agent.name, hook.auth, hook.deliver_to) == ("assistant", "${GMAIL_HOOK_TOKEN}", "telegram:12345")
    assert hook.message == "New mail from {from}: {subject}"
    assert not [line for line in err if line.startswith("warning: hooks") and "ignored" in line]


def test_access_groups_expand_into_allowed_users_and_csv_lists_are_split() -> None:
    run(FIXTURES / "every_key.yaml")
    telegram = ChannelInstance.objects.get(name="telegram").options
    assert telegram["allowed_users"] == ["1001", "1002", "2001", "3001"]
    assert telegram["owner_user_id"] == "42" and telegram["unknown_user_policy"] == "deny"
    assert telegram["ack_emoji"] == "👀" and telegram["ack_scope"] == "group-all"
    slack = ChannelInstance.objects.get(name="slack").options
    assert slack["allowed_users"] == ["U1", "U2", "U3"]
    assert slack["answer_other_bots"] is True and slack["mode"] == "socket"
    assert ChannelInstance.objects.get(name="discord").options["group_policy"] == "all"


def test_auto_enable_from_env_imports_an_instance_without_any_set_credential_disabled() -> None:
    _, err = run(FIXTURES / "every_key.yaml")
    assert ChannelInstance.objects.get(name="telegram").enabled is True
    assert ChannelInstance.objects.get(name="slack").enabled is False
    assert ChannelInstance.objects.get(name="discord").enabled is False
    assert any(line.startswith("warning: channels.discord: imported disabled: auto_enable_from_env") for line in err)


def test_gateway_keys_map_onto_ours() -> None:
    run(FIXTURES / "every_key.yaml")
    settings = GatewaySettings.load()
    assert (settings.host, settings.port, settings.session_timeout) == ("127.0.0.1", 8766, 1800)
    researcher = Agent.objects.get(name="researcher")
    assert researcher.tools == ["search_web"]
    assert routes("telegram") == {"default": "researcher", "dm": "researcher"}


IGNORED_ONCE = [
    "daemon",
    "rooms",
    "platforms",
    "gateway.liveness",
    "gateway.trusted_proxies",
    "gateway.cors_origins",
    "gateway.session_config.persist",
    "agents.researcher.knowledge",
    "agents.researcher.auto_approve",
    "agents.researcher.tools[1]",
    "agents.writer.tool_choice",
    "channels.telegram.bindings",
    "channels.telegram.auto_approve_tools",
    "channels.telegram.streaming",
]


@pytest.mark.parametrize("path", IGNORED_ONCE)
def test_a_key_without_meaning_here_is_named_in_exactly_one_warning_that_says_ignored(path: str) -> None:
    _, err = run(FIXTURES / "every_key.yaml")
    lines = [line for line in err if line.startswith(f"warning: {path}: ")]
    assert len(lines) == 1, err
    assert "ignored" in lines[0]


def test_an_unknown_access_group_fails_with_its_path_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(
        "access_groups: {admins: ['1']}\nagents: {a: {model: echo}}\n"
        "channels: {telegram: {token: t, allowed_users: ['group:admns'], routes: {default: a}}}\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_gateway_yaml", str(path), stdout=io.StringIO(), stderr=err)
    assert (
        "error: channels.telegram.allowed_users: unknown access group 'admns' (access_groups: admins)" in err.getvalue()
    )
    assert not Agent.objects.exists()


def test_a_near_miss_of_one_of_our_channel_keys_stays_an_error(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text("channels: {telegram: {token: t, allowed_user: ['1']}}\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_gateway_yaml", str(path), stdout=io.StringIO(), stderr=err)
    assert "channels.telegram.allowed_user: unknown key (did you mean 'allowed_users'?)" in err.getvalue()


def test_gateway_auth_tokens_become_scoped_access_tokens_stored_as_hashes(monkeypatch) -> None:
    from channels_app.realtime.models import AccessToken

    monkeypatch.setenv("VIEWER_TOKEN", "viewer-secret-1")
    monkeypatch.delenv("OPERATOR_TOKEN", raising=False)
    _, err = run(FIXTURES / "every_key.yaml")
    viewer = AccessToken.objects.get(name="gateway-yaml-1")
    assert viewer.token_hash == AccessToken.hash("viewer-secret-1") and viewer.scopes == ["read"]
    assert "viewer-secret-1" not in str(AccessToken.objects.values())
    assert "warning: gateway.auth.tokens[1].token: not imported: its variable is not set" in err
    monkeypatch.setenv("OPERATOR_TOKEN", "operator-secret-2")
    run(FIXTURES / "every_key.yaml")
    assert AccessToken.objects.get(name="gateway-yaml-2").scopes == ["read", "write", "admin"]


def test_a_null_optional_key_is_read_as_not_set_as_in_praisonais_schema(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(
        "hooks: null\nagents:\n  a: {model: echo, llm: null, tools: null, knowledge: null}\n"
        "channels:\n  telegram: {token: t, routing: null, routes: {default: a}, unknown_user_policy: null,"
        " streaming: null, allowed_users: null}\n"
    )
    _, err = run(path)
    assert routes("telegram") == {"default": "a"}
    assert ChannelInstance.objects.get(name="telegram").options == {}
    assert err == []
