"""Browser tests: a real gateway (rungateway on a free port, temporary SQLite) driven by Debian's headless Chromium.

Skipped with a reason only when /usr/bin/chromium is absent outside CI; in CI (CI=true) a missing browser fails,
since .ci/run installs it. Screenshots go to artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.processes import ROOT, Proc, base_env, free_port, manage, wait_http

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts"
ADMIN_USER, ADMIN_PASSWORD = "browser-admin", "browser-pass-123"
WEBHOOK_SECRET = "browser-webhook-secret"

SEED = f"""
from agents_app.models import Agent
from channels_app.models import ChannelInstance
from django.contrib.auth import get_user_model
get_user_model().objects.create_superuser({ADMIN_USER!r}, password={ADMIN_PASSWORD!r})
agent = Agent.objects.create(name="echo-bot", model="echo", instructions="Repeat the user.")
hooks = ChannelInstance.objects.create(name="hooks", platform="webhook", credentials={{"secret": {WEBHOOK_SECRET!r}}})
hooks.routing_rules.create(context="default", agent=agent)
Agent.objects.create(name="typo-bot", model="gtp-4o", instructions="A model name with a typo.")
from console_app.roles import assign_role
for role in ("viewer", "operator"):
    assign_role(get_user_model().objects.create_user(f"browser-{{role}}", password={ADMIN_PASSWORD!r}), role)
"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists() or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is absent: apt-get install -y chromium (CI installs it)")
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(skip)


# Package scope: Playwright's sync API keeps an event loop running in the main thread while it is open, which would
# break asyncio.run() in the tests that run after this package; both fixtures end when tests/browser is done.
GATEWAY_ENV: dict[str, str] = {}


def gateway_shell(code: str) -> None:
    """Run Python in `manage.py shell` against the package's gateway database (seed extra rows for one test)."""
    subprocess.run(manage("shell", "-c", code), cwd=ROOT, env=GATEWAY_ENV, check=True, timeout=120)


@pytest.fixture(scope="package")
def gateway_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, seeded gateway serving HTTP and WebSocket on 127.0.0.1, stopped (by its pid) after the package."""
    data_dir = tmp_path_factory.mktemp("browser-gateway")
    env = base_env(data_dir)
    GATEWAY_ENV.clear()
    GATEWAY_ENV.update(env)
    subprocess.run(manage("migrate", "--noinput", "-v", "0"), cwd=ROOT, env=env, check=True, timeout=300)
    subprocess.run(manage("shell", "-c", SEED), cwd=ROOT, env=env, check=True, timeout=120)
    port = free_port()
    args = manage("rungateway", "--host", "127.0.0.1", "--port", str(port), "--no-migrate", "--no-listeners")
    proc = Proc("rungateway", [*args, "--no-schedules"], env, data_dir / "rungateway.log").start()
    try:
        wait_http(f"http://127.0.0.1:{port}/health", timeout=90, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object, gateway_url: str) -> Iterator[object]:
    context = browser.new_context(base_url=gateway_url, accept_downloads=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot as artifacts/<name>.png and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page: object, username: str = ADMIN_USER) -> None:
    """Log into the admin as the seeded superuser (or `browser-viewer` / `browser-operator`)."""
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"


def doc_screenshot(page: object, name: str, *, full_page: bool = False) -> Path:
    """A small PNG of the viewport for the docs: artifacts/docs/<name>.png, or docs/screenshots/<name>.png when
    GATEWAY_DOC_SCREENSHOTS=1 (how the committed screenshots are refreshed, so a test run leaves the tree clean)."""
    folder = DOCS_SCREENSHOTS if os.environ.get("GATEWAY_DOC_SCREENSHOTS") == "1" else ARTIFACTS / "docs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
