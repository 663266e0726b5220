"""`delegates:` in gateway.yaml: a coordinator lists the agents it may hand tasks to; names are checked with their
key path, and the list exports back."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from agents_app.models import Agent

pytestmark = pytest.mark.django_db

CONFIG = """\
agents:
  coordinator:
    instructions: You coordinate budget questions.
    model: echo
    delegates: [financial-analyst, recruiter]
  financial-analyst:
    instructions: You estimate costs.
    model: echo
  recruiter:
    instructions: You plan hiring.
    model: echo
"""


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_delegates_import_and_export_back(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(CONFIG)
    run("import_gateway_yaml", str(path))
    assert Agent.objects.get(name="coordinator").delegates == ["financial-analyst", "recruiter"]
    exported = tmp_path / "exported.yaml"
    run("export_gateway_yaml", "-o", str(exported))
    assert "delegates:\n    - financial-analyst\n    - recruiter" in exported.read_text()
    out, _ = run("import_gateway_yaml", str(exported))
    assert "No changes" in out


@pytest.mark.parametrize(
    ("delegates", "expected"),
    [
        ("[recuiter]", "agents.coordinator.delegates[0]: unknown agent 'recuiter' (did you mean 'recruiter'?)"),
        ("[coordinator]", "agents.coordinator.delegates[0]: an agent cannot delegate to itself"),
    ],
)
def test_a_wrong_delegate_fails_with_its_key_path(tmp_path: Path, delegates: str, expected: str) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(CONFIG.replace("[financial-analyst, recruiter]", delegates))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_gateway_yaml", str(path), stdout=io.StringIO(), stderr=err)
    assert f"error: {expected}" in err.getvalue()
    assert not Agent.objects.exists()
