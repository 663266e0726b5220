"""Markdown → Slack mrkdwn, WhatsApp, Telegram HTML, and splitting that never cuts a code block."""

from __future__ import annotations

import re

import pytest

from channels_app.formatting import render, render_chunks
from channels_app.formatting.flavours import utf16_length
from tests.channels_app.support import fixture


def test_it_renders_the_documented_slack_reply_from_markdown() -> None:
    expected = fixture("slack", "chat_postMessage__request")["body"]["text"]
    markdown = "**Q4 status:** on track. Details: [Q4 plan](https://example.com/q4) — budget <$5k & due Friday."
    assert render(markdown, "slack") == expected


def test_it_renders_the_documented_whatsapp_reply_from_markdown() -> None:
    expected = fixture("whatsapp", "send_text__request")["body"]["text"]["body"]
    markdown = "# Q3 summary\n- Revenue up 4%\n- *Costs flat*\n```\nticket #42\n```"
    assert render(markdown, "whatsapp") == expected


def test_it_renders_the_documented_telegram_html_reply_from_markdown() -> None:
    expected = fixture("telegram", "sendMessage__html_request")["body"]["text"]
    markdown = (
        "**Password reset**: fixed in 2.1 & rolled out. See [KB 42](https://example.com/kb/42).\n"
        "```bash\nacme reset --user alice\n```"
    )
    assert render(markdown, "telegram_html") == expected


def test_it_leaves_code_untouched_by_inline_rules() -> None:
    rendered = render("Use `a_b_c * 2` and\n```\nx = **y**\n```", "slack")
    assert "`a_b_c * 2`" in rendered
    assert "x = **y**" in rendered


def test_it_does_not_italicise_snake_case_words() -> None:
    assert render("call my_func_name now", "whatsapp") == "call my_func_name now"


def test_it_escapes_html_in_telegram_text_and_code() -> None:
    assert render("a <b> & `<i>`", "telegram_html") == "a &lt;b&gt; &amp; <code>&lt;i&gt;</code>"


@pytest.mark.parametrize("flavour,limit", [("slack", 300), ("whatsapp", 300), ("telegram_html", 300)])
def test_it_splits_under_the_limit_without_cutting_a_code_block(flavour: str, limit: int) -> None:
    code = "\n".join(f"line_{i} = {i}" for i in range(60))
    markdown = "Intro paragraph. " * 10 + "\n\n```python\n" + code + "\n```\n\nClosing words. " + "More text. " * 40
    chunks = render_chunks(markdown, flavour, limit)
    assert len(chunks) > 2
    fence = {"slack": "```", "whatsapp": "```"}.get(flavour)
    for chunk in chunks:
        assert utf16_length(chunk) <= limit
        if fence:
            assert chunk.count(fence) % 2 == 0
        else:
            assert chunk.count("<pre") == chunk.count("</pre>")
    joined = "".join(chunks)
    for i in range(60):
        assert f"line_{i} = {i}" in joined


def test_it_splits_at_sentence_boundaries_when_a_paragraph_is_too_long() -> None:
    text = " ".join(f"Sentence number {i} ends here." for i in range(40))
    chunks = render_chunks(text, "whatsapp", 200)
    assert all(len(c) <= 200 for c in chunks)
    assert all(re.search(r"here\.$", c) for c in chunks)


def test_it_counts_telegram_length_in_utf16_units() -> None:
    chunks = render_chunks("😀" * 3000, "telegram_html", 4096)
    assert all(utf16_length(c) <= 4096 for c in chunks)
    assert "".join(chunks) == "😀" * 3000


def test_a_short_reply_is_one_chunk() -> None:
    assert render_chunks("Hello *there*", "slack", 4000) == ["Hello _there_"]
