"""The admin pages an operator meets first, as they look (screenshots for docs/console.md): an agent with its tools
multi-select and Test agent button, a channel with its webhook URL and Copy button, a schedule with next run and
Run now, and the export page with the variables to set."""

from __future__ import annotations

from tests.browser.conftest import doc_screenshot, gateway_shell, login


def test_the_admin_pages_show_what_an_operator_needs(page) -> None:
    gateway_shell(
        "from agents_app.models import Agent\n"
        "from channels_app.models import ChannelInstance\n"
        "from routing.models import Schedule\n"
        "Schedule.objects.update_or_create(name='morning-digest', defaults=dict(schedule='cron:0 9 * * *', "
        "message='Summarise yesterday', agent=Agent.objects.get(name='echo-bot'), "
        "instance=ChannelInstance.objects.get(name='hooks'), channel_id='digest'))\n"
    )
    login(page)
    page.goto("/admin/agents_app/agent/")
    page.locator("#result_list a", has_text="echo-bot").first.click()
    page.wait_for_selector("#test-agent")
    assert page.locator("input[type=checkbox][name=tools][value=search_web]").count() == 1
    page.fill("input[name=message]", "Say hello to the docs")
    page.click("#test-agent")
    page.wait_for_selector(".messagelist .success")
    assert "Say hello to the docs" in page.inner_text(".messagelist")
    doc_screenshot(page, "admin-agent-test")

    page.goto("/admin/channels_app/channelinstance/")
    page.locator("#result_list a", has_text="hooks").first.click()
    page.wait_for_selector("#webhook-url")
    assert page.input_value("#webhook-url").endswith("/webhooks/hooks/")
    doc_screenshot(page, "admin-channel")

    page.goto("/admin/routing/schedule/")
    page.locator("#result_list a", has_text="morning-digest").first.click()
    page.wait_for_selector("#run-now")
    doc_screenshot(page, "admin-schedule")
    page.click("#run-now")
    page.wait_for_selector(".messagelist .success")

    page.goto("/admin/channels_app/channelinstance/export-yaml/")
    page.wait_for_selector("#download-yaml")
    doc_screenshot(page, "admin-export")
