"""`manage.py gateway_channels` tells an operator which credentials actually resolve."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "gateway_yaml" / "seed.yaml"


def table(*args: str) -> str:
    out = io.StringIO()
    call_command("gateway_channels", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_lists_instances_with_routing_and_resolved_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    call_command("import_gateway_yaml", str(SEED), stdout=io.StringIO(), stderr=io.StringIO())
    output = table()
    slack = next(line for line in output.splitlines() if line.startswith("slack "))
    assert "default→support" in slack
    assert "token=set" in slack
    assert "app_token=UNSET(${SLACK_APP_TOKEN})" in slack
    assert "xoxb-1" not in output


@pytest.mark.django_db
def test_it_reads_a_config_file_without_touching_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIP_BOT_TOKEN", "123:abc")
    output = table("--config", str(SEED))
    vip = next(line for line in output.splitlines() if line.startswith("telegram-vip"))
    assert "telegram" in vip and "default→vip-agent" in vip and "token=set" in vip
    from channels_app.models import ChannelInstance

    assert not ChannelInstance.objects.exists()
