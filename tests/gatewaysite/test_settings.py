"""Settings come from the environment; a production start without a real secret key refuses to start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG")}
    env["GATEWAY_DATA_DIR"] = str(tmp_path)
    return env


def test_a_distributed_start_without_secret_key_refuses_with_a_clear_message(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    env["DATABASE_URL"] = "postgresql://postgres@127.0.0.1:5432/test"
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "export SECRET_KEY=" in result.stderr


def test_the_embedded_mode_generates_and_keeps_one_secret_key(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    assert manage("check", env=env).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"
    assert manage("check", env=env).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key


def test_database_url_selects_postgresql() -> None:
    from gatewaysite.env import database_from_url

    config = database_from_url("postgresql://gw:p%40ss@db.internal:6543/gateway?sslmode=require")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("gateway", "gw", "p@ss")
    assert (config["HOST"], config["PORT"]) == ("db.internal", "6543")
    assert config["OPTIONS"] == {"sslmode": "require", "server_side_binding": True, "prepare_threshold": 5}


def test_database_url_options_override_the_prepared_statements() -> None:
    """Behind PgBouncer in transaction mode, prepared statements must be off: the URL says so in its query."""
    from gatewaysite.env import database_from_url

    config = database_from_url(
        "postgresql://db/gateway?prepare_threshold=none&server_side_binding=false&connect_timeout=5"
    )
    assert config["OPTIONS"] == {"server_side_binding": False, "prepare_threshold": None, "connect_timeout": 5}
