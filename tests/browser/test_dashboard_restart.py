"""The dashboard goes live again within 3 seconds of a restarted server answering (its own gateway process, stopped
and started again on the same port and database)."""

from __future__ import annotations

import subprocess
import time

from tests.browser.conftest import ADMIN_PASSWORD, ADMIN_USER, doc_screenshot
from tests.e2e.processes import ROOT, Proc, base_env, free_port, manage, wait_http

SEED = (
    "from django.contrib.auth import get_user_model\n"
    f"get_user_model().objects.create_superuser({ADMIN_USER!r}, password={ADMIN_PASSWORD!r})\n"
)


def start(args: list[str], env: dict[str, str], log) -> Proc:  # noqa: ANN001 - a Path
    proc = Proc("rungateway", args, env, log).start()
    return proc


def test_the_dashboard_is_live_again_within_3_seconds_of_a_restart(browser, tmp_path) -> None:
    env = base_env(tmp_path)
    subprocess.run(manage("migrate", "--noinput", "-v", "0"), cwd=ROOT, env=env, check=True, timeout=300)
    subprocess.run(manage("shell", "-c", SEED), cwd=ROOT, env=env, check=True, timeout=120)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [*manage("rungateway", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"), "--no-listeners"]
    proc = start([*args, "--no-schedules"], env, tmp_path / "first.log")
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        wait_http(f"{url}/health", timeout=90, proc=proc)
        page.goto("/admin/login/?next=/ops/")
        page.fill("#id_username", ADMIN_USER)
        page.fill("#id_password", ADMIN_PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#live-state:has-text('live')", timeout=20_000)
        doc_screenshot(page, "dashboard")

        proc.stop()
        page.wait_for_selector("#live-state:has-text('reconnecting')", timeout=10_000)
        proc = start([*args, "--no-schedules"], env, tmp_path / "second.log")
        wait_http(f"{url}/health", timeout=90, proc=proc)
        back = time.monotonic()
        page.wait_for_selector("#live-state:text-is('live')", timeout=10_000)
        assert time.monotonic() - back <= 3.0
    finally:
        context.close()
        proc.stop()
