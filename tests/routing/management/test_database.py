"""A command run against a database that was never migrated says what to do instead of printing a traceback."""

from __future__ import annotations

import subprocess

from tests.e2e.processes import ROOT, base_env, manage


def test_import_before_migrate_says_run_migrate_first(tmp_path) -> None:
    result = subprocess.run(
        manage("import_gateway_yaml", str(ROOT / "examples" / "gateway.yaml")),
        env=base_env(tmp_path / "fresh-data"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "run `python manage.py migrate` first" in result.stderr
    assert "Traceback" not in result.stderr
