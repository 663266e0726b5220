"""The console in Chromium: a signed webhook traced to its outbound chunk; a human takeover of a Slack conversation;
each role's allowed and refused actions in the admin, ops pages and API; the trace page at phone width."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.browser.conftest import WEBHOOK_SECRET, doc_screenshot, gateway_shell, login
from tests.channels_app.support import SLACK_SECRET, fixture, slack_headers
from tests.e2e.processes import ROOT
from tests.fakes.fake_slack import FakeSlack

FIXTURE = ROOT / "tests" / "fixtures" / "generic_webhook" / "message_created__with_callback.json"


def signed_webhook_waiting_for_the_reply(gateway_url: str, text: str) -> requests.Response:
    """A customer's signed delivery that asks for the reply in the HTTP response (reply.wait)."""
    payload = json.loads(FIXTURE.read_text())
    payload["id"] = f"evt_{uuid.uuid4().hex}"
    payload["message"]["external_id"] = f"msg_{uuid.uuid4().hex[:8]}"
    payload["message"]["text"] = text
    payload["reply"] = {"wait": 10}
    body = json.dumps(payload).encode()
    signature = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return requests.post(
        f"{gateway_url}/webhooks/hooks/",
        data=body,
        headers={"Content-Type": "application/json", "X-Signature-256": f"sha256={signature}"},
        timeout=20,
    )


def test_a_signed_webhook_is_traced_from_its_payload_to_its_outbound_chunk(page, gateway_url) -> None:
    response = signed_webhook_waiting_for_the_reply(gateway_url, "Where is parcel 7781?")
    assert response.status_code == 200, response.text
    login(page)
    page.goto("/ops/traces/?q=parcel+7781&field=text")
    page.locator("#traces a", has_text="Where is parcel 7781?").click()
    page.wait_for_selector("#timeline")
    assert page.inner_text("#inbound-text") == "Where is parcel 7781?"
    assert page.inner_text("#routing-rule") == "rule:default"
    run = page.locator(".agent-run").first
    assert "Where is parcel 7781?" in run.locator(".run-input").inner_text()
    assert "Where is parcel 7781?" in run.locator(".run-output").inner_text()
    chunk = page.locator("#outbound tbody tr").first
    assert "sent" in chunk.inner_text() and chunk.locator(".platform-id").inner_text().strip()
    kinds = page.eval_on_selector_all("#timeline li", "items => items.map(i => i.dataset.kind)")
    assert kinds[0] == "inbound" and "sent" in kinds and kinds[-1] == "finished"
    assert "+" in page.inner_text("#timeline")  # milliseconds between steps
    doc_screenshot(page, "trace")
    page.goto("/ops/traces/")
    doc_screenshot(page, "traces")
    page.goto("/admin/channels_app/inboundevent/")
    page.locator("a", has_text="trace").first.click()
    page.wait_for_selector("#timeline")  # the inbound list links to the trace


@pytest.fixture
def slack_channel() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        gateway_shell(
            "from agents_app.models import Agent\n"
            "from channels_app.models import ChannelInstance\n"
            "i, _ = ChannelInstance.objects.update_or_create(name='acme-slack', defaults=dict(platform='slack', "
            f"credentials={{'token': 'xoxb-browser', 'signing_secret': {SLACK_SECRET!r}}}, api_base_url={fake.url!r}))\n"
            "i.routing_rules.update_or_create(context='default', defaults=dict(agent=Agent.objects.get(name='echo-bot')))\n"
        )
        yield fake


def say_on_slack(gateway_url: str, text: str, n: int) -> None:
    payload = fixture("slack", "message__im")
    payload["event_id"] = f"Ev0BROWSER{uuid.uuid4().hex[:8]}"
    payload["event"].update(text=text, ts=f"1767225700.0003{n:02d}", event_ts=f"1767225700.0003{n:02d}")
    payload["event"].pop("blocks", None)
    payload["event"]["client_msg_id"] = str(uuid.uuid4())
    body = json.dumps(payload).encode()
    response = requests.post(f"{gateway_url}/webhooks/acme-slack/", data=body, headers=slack_headers(body), timeout=10)
    assert response.status_code == 200, response.text


def wait_for(condition, timeout: float = 15.0) -> None:  # noqa: ANN001 - a callable
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_takeover_pauses_the_agent_sends_the_human_reply_once_and_hands_back(page, gateway_url, slack_channel) -> None:
    fake = slack_channel
    say_on_slack(gateway_url, "first question", 1)
    wait_for(lambda: len(fake.posts()) == 1)
    login(page)
    page.goto("/ops/traces/?q=first+question&field=text")
    page.locator("#traces a", has_text="first question").click()
    page.click("#session-link")
    page.wait_for_selector("#takeover-start")

    page.click("#takeover-start")
    page.wait_for_selector("#takeover-state:has-text('paused')")
    say_on_slack(gateway_url, "is anyone human there?", 2)
    page.wait_for_selector("#transcript li.user:has-text('is anyone human there?')")  # arrives live
    time.sleep(1.0)
    assert len(fake.posts()) == 1, "the agent stays silent while a human has the conversation"

    page.fill("#takeover-text", "Yes, **Dana** here. How can I help?")
    page.click("#takeover-send")
    wait_for(lambda: len(fake.posts()) == 2)
    assert fake.posts()[1].json["text"] == "Yes, *Dana* here. How can I help?"
    page.wait_for_selector("#transcript li.assistant:has-text('browser-admin')")
    doc_screenshot(page, "takeover")
    time.sleep(0.5)
    assert len(fake.posts()) == 2  # sent once

    page.click("#takeover-handback")
    page.wait_for_selector("#takeover-state:has-text('answering')")
    say_on_slack(gateway_url, "back to the bot", 3)
    wait_for(lambda: len(fake.posts()) == 3)
    assert fake.posts()[2].json["text"] == "back to the bot"


def csrf_headers(page) -> dict[str, str]:  # noqa: ANN001 - a Playwright page
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    return {"X-CSRFToken": token, "Content-Type": "application/json", "Referer": page.url}


@pytest.mark.parametrize(
    ("role", "chat", "configure"),
    [("viewer", 403, 403), ("operator", 200, 403), ("admin", 200, 201)],
)
def test_each_role_is_allowed_and_refused_in_the_admin_ops_and_api(page, role, chat, configure) -> None:
    login(page, "browser-admin" if role == "admin" else f"browser-{role}")
    page.goto("/admin/agents_app/agent/")
    assert page.locator("a", has_text="echo-bot").first.is_visible()  # every role reads
    page.locator("a", has_text="echo-bot").first.click()
    page.wait_for_url("**/change/")
    page.wait_for_selector("#content-main form")
    assert page.locator("input[name=_save]").count() == (1 if role == "admin" else 0)
    assert page.goto("/ops/").status == 200
    assert page.goto("/ops/traces/").status == 200
    assert page.goto("/ops/chat/").status == (403 if role == "viewer" else 200)
    assert page.goto("/admin/auth/user/").status == (200 if role == "admin" else 403)
    assert page.request.get("/api/v1/agents/").status == 200
    answer = page.request.post("/api/v1/agents/echo-bot/chat", data={"message": "hi"}, headers=csrf_headers(page))
    assert answer.status == chat, answer.text()
    name = f"made-by-{role}"
    made = page.request.post("/api/v1/agents/", data={"name": name, "model": "echo"}, headers=csrf_headers(page))
    assert made.status == configure, made.text()
    if role == "viewer":
        page.goto("/ops/chat/")
        doc_screenshot(page, "role-viewer-refused")


def test_the_trace_list_and_session_pages_fit_a_phone(browser, gateway_url) -> None:
    context = browser.new_context(base_url=gateway_url, viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        login(page)
        page.goto("/ops/traces/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.goto("/ops/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()


def test_the_landing_page_links_to_the_console(page) -> None:
    page.goto("/")
    for href in ("/admin/", "/ops/", "/api/docs/", "/health"):
        assert page.locator(f"a[href='{href}']").count() == 1
    doc_screenshot(page, "landing")
