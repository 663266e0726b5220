"""The web chat as an operator sees it: the error text in the bubble with a retry, Markdown rendered without any HTML
from the model, the indicator naming the guardrail as what holds the reply, Stop, timestamps, a composer that grows,
and a layout that fits a 375 px phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import doc_screenshot, gateway_shell, login
from tests.fakes.fake_openai import FakeOpenAI, Reply


def open_chat(page, agent: str) -> None:
    login(page)
    page.goto(f"/ops/chat/?agent={agent}")
    page.wait_for_selector("#conn-state:has-text('connected')")
    page.click("#new-session")
    page.wait_for_selector("#conn-state:has-text('connected')")


def send(page, text: str) -> None:
    page.fill("#message", text)
    page.keyboard.press("Enter")


def test_a_failing_agent_shows_its_error_text_in_the_bubble_with_a_retry(page) -> None:
    open_chat(page, "typo-bot")
    send(page, "hello?")
    error = page.locator(".msg.error").last
    error.wait_for()
    assert "gtp-4o" in error.inner_text(), error.inner_text()  # the server's message, not an empty pink bubble
    assert error.locator("button.retry").is_visible()
    error.locator("button.retry").click()
    page.wait_for_function(
        "document.querySelectorAll('.msg.error').length === 1 && !document.getElementById('send').disabled"
    )
    assert page.locator(".msg.user").count() == 1  # a retry does not repeat the question
    doc_screenshot(page, "web-chat-error")


def test_replies_are_markdown_and_the_model_cannot_inject_html(page) -> None:
    open_chat(page, "echo-bot")
    send(page, "**bold** and `code` and <img src=x onerror=alert(1)>\n\n- one\n- two")
    reply = page.locator(".msg.assistant:not(.streaming)").last
    page.wait_for_selector(".msg.assistant:not(.streaming) strong")
    assert reply.locator("strong").inner_text() == "bold"
    assert reply.locator("code").inner_text() == "code"
    assert reply.locator("li").all_inner_texts() == ["one", "two"]
    assert page.locator("#transcript img").count() == 0 and "<img src=x" in reply.inner_text()
    assert reply.locator("time.meta").inner_text().strip()  # a timestamp on each bubble
    before = page.eval_on_selector("#message", "el => el.offsetHeight")
    page.fill("#message", "a\nb\nc\nd\ne")
    page.dispatch_event("#message", "input")
    assert page.eval_on_selector("#message", "el => el.offsetHeight") > before  # the composer grows
    doc_screenshot(page, "web-chat-markdown")


@pytest.fixture
def slow_judge() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        gateway_shell(
            "from agents_app.models import Agent, Guardrail\n"
            f"agent, _ = Agent.objects.update_or_create(name='guarded-bot', defaults=dict(model='gpt-4o-mini', "
            f"base_url={fake.base_url!r}, api_key='sk-test-browser'))\n"
            "Guardrail.objects.update_or_create(name='no-secrets', defaults=dict(agent=agent, "
            "description='Never reveal secrets'))\n"
        )
        yield fake


def test_under_a_guardrail_the_indicator_says_so_and_stop_aborts_the_turn(page, slow_judge) -> None:
    verdict = '{"results": [{"guardrail": "no-secrets", "verdict": "pass", "reason": "fine"}]}'
    slow_judge.script(Reply(text="Here is the answer."), Reply(text=verdict, delay=8))
    open_chat(page, "guarded-bot")
    send(page, "tell me something")
    page.wait_for_selector("#typing.on #typing-text:has-text('checking with guardrail')", timeout=8000)
    assert page.locator("#stop").is_visible()
    doc_screenshot(page, "web-chat-guardrail")
    page.click("#stop")
    page.wait_for_selector(".msg.error:has-text('Stopped.')")
    assert not page.locator("#typing").is_visible() and page.locator("#stop").is_hidden()


def test_the_chat_fits_a_375_px_phone(browser, gateway_url) -> None:
    context = browser.new_context(base_url=gateway_url, viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        open_chat(page, "echo-bot")
        send(page, "hi from a phone")
        page.wait_for_selector(".msg.assistant:not(.streaming):has-text('hi from a phone')")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        box = page.locator("#send").bounding_box()
        assert box and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 740
        doc_screenshot(page, "web-chat-phone")
    finally:
        context.close()
