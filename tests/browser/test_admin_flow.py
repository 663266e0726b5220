"""An operator logs into the admin, creates an agent, a channel instance and its routing rule, and exports YAML."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.browser.conftest import login, screenshot


def test_an_operator_configures_a_channel_in_the_admin_and_finds_it_in_the_exported_yaml(page):
    login(page)
    assert page.locator("#operator-pages a[href='/ops/']").is_visible()

    page.goto("/admin/agents_app/agent/add/")
    page.fill("input[name=name]", "support-bot")
    page.fill("input[name=model]", "echo")
    page.fill("textarea[name=instructions]", "Answer support questions briefly.")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/agents_app/agent/")
    assert page.locator("text=support-bot").first.is_visible()

    page.goto("/admin/channels_app/channelinstance/add/")
    page.fill("input[name=name]", "support-hooks")
    page.select_option("select[name=platform]", "webhook")
    page.fill("textarea[name=credentials]", "secret: ${SUPPORT_HOOK_SECRET}")
    page.select_option("select[name='routing_rules-0-context']", "default")
    page.select_option("select[name='routing_rules-0-agent']", label="support-bot")
    screenshot(page, "admin-channel-form")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/channels_app/channelinstance/")
    row = page.locator("tr", has_text="support-hooks")
    assert "support-bot" in row.inner_text()
    screenshot(page, "admin-channel-list")

    page.click("text=Export gateway.yaml")
    assert "SUPPORT_HOOK_SECRET" in page.inner_text("#export-variables")  # the page says which variables to set
    with page.expect_download() as download_info:
        page.click("#download-yaml")
    exported = yaml.safe_load(Path(download_info.value.path()).read_text(encoding="utf-8"))
    assert exported["agents"]["support-bot"]["model"] == "echo"
    channel = exported["channels"]["support-hooks"]
    assert channel["platform"] == "webhook"
    assert channel["secret"] == "${SUPPORT_HOOK_SECRET}"
    assert channel["routing"] == {"default": "support-bot"}
