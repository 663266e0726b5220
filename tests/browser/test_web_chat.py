"""The web chat talks to the offline agent over the WebSocket protocol: streamed tokens, final reply, resume."""

from __future__ import annotations

import json

from tests.browser.conftest import login, screenshot


def test_the_web_chat_streams_the_offline_agents_reply_and_resumes_after_a_reload(page):
    frames: list[dict] = []

    def watch(socket) -> None:
        socket.on("framereceived", lambda payload: frames.append(json.loads(payload)))

    page.on("websocket", watch)
    login(page)
    page.goto("/ops/chat/?agent=echo-bot")
    page.wait_for_selector("#conn-state:has-text('connected')")
    session_id = page.inner_text("#session-id")
    assert session_id not in ("", "–")

    page.fill("#message", "hello from the browser")
    page.keyboard.press("Enter")
    reply = page.locator(".msg.assistant").last
    reply.wait_for()
    page.wait_for_selector(".msg.assistant:not(.streaming):has-text('hello from the browser')")
    types = [frame.get("type") for frame in frames]
    assert "token_stream" in types, types  # the reply arrived as a stream, not only as the final frame
    final = next(f for f in frames if f.get("type") == "response" and f.get("status") == "final")
    assert final["content"] == "hello from the browser"
    screenshot(page, "web-chat-reply")

    page.reload()
    page.wait_for_selector("#conn-state:has-text('connected')")
    assert page.inner_text("#session-id").startswith(session_id.split(" ")[0])
    assert "(resumed)" in page.inner_text("#session-id")
    assert page.locator(".msg.user", has_text="hello from the browser").count() == 1
    screenshot(page, "web-chat-resumed")
