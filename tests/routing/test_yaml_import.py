"""gateway.yaml import/export through the management commands an operator runs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from agents_app.models import Agent, Guardrail, ProviderSettings
from channels_app.models import ChannelInstance, GatewaySettings
from routing.models import RoutingRule, Schedule

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "gateway_yaml"
SEED = FIXTURES / "seed.yaml"
BROKEN = sorted((FIXTURES / "broken").glob("*.yaml"))

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def exported() -> str:
    return run("export_gateway_yaml")[0]


def test_the_seed_file_imports_unchanged() -> None:
    out, err = run("import_gateway_yaml", str(SEED))
    assert "Applied 20 change(s)" in out
    assert set(Agent.objects.values_list("name", flat=True)) == {"support", "sales", "vip-agent"}
    telegram = ChannelInstance.objects.get(name="telegram")
    assert telegram.platform == "telegram"
    assert telegram.credentials == {"token": "${TELEGRAM_BOT_TOKEN}"}
    assert dict(telegram.routing_rules.values_list("context", "agent__name")) == {
        "dm": "support",
        "group": "sales",
        "default": "support",
    }
    assert ChannelInstance.objects.get(name="telegram-vip").platform == "telegram"
    assert ChannelInstance.objects.get(name="whatsapp").options == {"mode": "cloud"}
    assert Schedule.objects.get(name="weekly-report").schedule == "cron:0 10 * * 1"
    assert Guardrail.objects.get(name="safety").agent is None
    assert Guardrail.objects.get(name="pii").agent.name == "support"
    assert ProviderSettings.load().model == "gpt-4o-mini"
    assert Agent.objects.get(name="support").tools == ["search_web"]


def test_an_unset_variable_is_a_warning_and_stays_a_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    _, err = run("import_gateway_yaml", str(SEED))
    assert "warning: channels.telegram.token: environment variable TELEGRAM_BOT_TOKEN is not set" in err
    assert ChannelInstance.objects.get(name="telegram").credentials["token"] == "${TELEGRAM_BOT_TOKEN}"


def test_a_second_import_of_the_same_file_changes_nothing_and_says_so() -> None:
    run("import_gateway_yaml", str(SEED))
    before = exported()
    out, _ = run("import_gateway_yaml", str(SEED))
    assert "No changes" in out
    assert exported() == before


def test_export_then_import_of_the_export_leaves_the_database_identical(tmp_path: Path) -> None:
    run("import_gateway_yaml", str(SEED))
    path = tmp_path / "exported.yaml"
    run("export_gateway_yaml", "-o", str(path))
    before = exported()
    out, _ = run("import_gateway_yaml", str(path))
    assert "No changes" in out
    assert exported() == before
    # And into an empty database it rebuilds the same state.
    for model in (Schedule, RoutingRule, ChannelInstance, Guardrail, Agent, GatewaySettings, ProviderSettings):
        model.objects.all().delete()
    run("import_gateway_yaml", str(path))
    assert exported() == before


def test_a_dry_run_reports_the_changes_and_writes_nothing() -> None:
    out, _ = run("import_gateway_yaml", str(SEED), "--dry-run")
    assert "Would apply 20 change(s)" in out
    assert "create channel telegram-vip" in out
    assert not Agent.objects.exists()
    assert not ChannelInstance.objects.exists()


def test_prune_deletes_what_the_file_no_longer_mentions(tmp_path: Path) -> None:
    run("import_gateway_yaml", str(SEED))
    smaller = tmp_path / "smaller.yaml"
    smaller.write_text(
        "agents:\n  support:\n    model: echo\nchannels:\n  telegram:\n    token: x\n    routing:\n      default: support\n"
    )
    out, _ = run("import_gateway_yaml", str(smaller), "--prune")
    assert "delete agent sales" in out
    assert list(Agent.objects.values_list("name", flat=True)) == ["support"]
    assert list(ChannelInstance.objects.values_list("name", flat=True)) == ["telegram"]
    assert not Schedule.objects.exists()
    assert list(RoutingRule.objects.values_list("context", flat=True)) == ["default"]


def test_the_praisonai_schedule_form_and_routes_spelling_import() -> None:
    run("import_gateway_yaml", str(FIXTURES / "praisonai_schedules.yaml"))
    nightly = Schedule.objects.get(name="nightly")
    assert (nightly.schedule, nightly.timezone, nightly.thread_id) == ("cron:30 22 * * *", "Europe/Paris", "7")
    assert nightly.message == "Summarise the day"
    assert Schedule.objects.get(name="heartbeat").schedule == "every:90m"
    assert Schedule.objects.get(name="launch").schedule == "at:2027-01-05T09:00:00"
    assert RoutingRule.objects.get(instance__name="ops-telegram").context == "default"
    assert ChannelInstance.objects.get(name="ops-telegram").options == {"mode": "poll"}


@pytest.mark.parametrize("path", BROKEN, ids=[path.stem for path in BROKEN])
def test_a_broken_file_fails_with_its_key_path_and_writes_nothing(path: Path) -> None:
    run("import_gateway_yaml", str(SEED))
    before = exported()
    # A trailing "…" lets a fixture expect a prefix (e.g. the list of registered tools, which tests extend).
    expected = path.read_text().splitlines()[0].removeprefix("# expect: ")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_gateway_yaml", str(path), stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    if expected.endswith("…"):
        assert any(line.startswith(f"error: {expected[:-1]}") for line in lines), lines
    else:
        assert f"error: {expected}" in lines
    assert exported() == before


def test_there_are_at_least_twelve_kinds_of_broken_file() -> None:
    assert len(BROKEN) >= 12


def test_a_broken_file_exits_non_zero_from_the_shell(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env["GATEWAY_DATA_DIR"] = str(tmp_path)
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=root, env=env, check=True)
    result = subprocess.run(
        [sys.executable, "manage.py", "import_gateway_yaml", str(FIXTURES / "broken" / "unknown_agent_in_route.yaml")],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode != 0
    assert "channels.telegram-vip.routing.default: unknown agent 'vip-agnt'" in result.stderr


def test_gateway_settings_import_including_session_and_push() -> None:
    import tempfile

    text = (
        "gateway:\n  host: 0.0.0.0\n  port: 9000\n  auth_token: ${GW_TOKEN}\n  max_connections: 50\n"
        "  session_config:\n    timeout: 120\n    max_messages: 20\n  push:\n    enabled: true\n    ack_timeout: 5\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        handle.write(text)
    run("import_gateway_yaml", handle.name)
    settings = GatewaySettings.load()
    assert (settings.host, settings.port, settings.auth_token) == ("0.0.0.0", 9000, "${GW_TOKEN}")
    assert (settings.session_timeout, settings.session_max_messages, settings.max_connections) == (120, 20, 50)
    assert settings.push_enabled is True
    assert settings.push_options == {"ack_timeout": 5}


def test_a_secret_stored_in_clear_is_exported_only_as_a_reference() -> None:
    ChannelInstance.objects.create(
        name="ops", platform="slack", credentials={"token": "xoxb-real-secret", "signing_secret": "${SLACK_SIGNING}"}
    )
    out, err = run("export_gateway_yaml")
    assert "xoxb-real-secret" not in out
    assert "token: ${GATEWAY_OPS_TOKEN}" in out
    assert "signing_secret: ${SLACK_SIGNING}" in out
    assert "GATEWAY_OPS_TOKEN" in err


def test_the_example_config_used_by_make_run_imports() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "gateway.yaml"
    out, _ = run("import_gateway_yaml", str(example))
    assert "Applied" in out
    assert Agent.objects.get(name="assistant").model == "echo"
    assert GatewaySettings.load().port == 8000
