"""The three target markups: Slack mrkdwn, WhatsApp, Telegram HTML (PLATFORMS.md §3.9, §4.8, §5.9).

A flavour is data plus a few small functions; `render.py` does the walking.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass


def utf16_length(text: str) -> int:
    """Telegram counts in UTF-16 code units (PLATFORMS.md §5.5), so an emoji is two."""
    return len(text.encode("utf-16-le")) // 2


def _slack_escape(text: str) -> str:
    # Slack rule: escape only & < > (PLATFORMS.md §3.9); anything more shows up literally (&#39;).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _html_escape(text: str) -> str:
    # Telegram HTML parse mode: escape < > & (PLATFORMS.md §5.9); quotes only matter inside attributes.
    return html.escape(text, quote=False)


def _no_escape(text: str) -> str:
    return text


def _slack_link(label: str, url: str) -> str:
    safe_url = url.replace("|", "%7C").replace(">", "%3E")
    return f"<{safe_url}>" if label in (url, _slack_escape(url)) else f"<{safe_url}|{label}>"


def _whatsapp_link(label: str, url: str) -> str:
    # WhatsApp has no link syntax: the bare URL is what gets a preview (PLATFORMS.md §4.8).
    return url if label == url else f"{label} ({url})"


def _telegram_link(label: str, url: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{label}</a>'


def _telegram_code_block(code: str, lang: str) -> str:
    if lang:
        return f'<pre><code class="language-{html.escape(lang, quote=True)}">{_html_escape(code)}</code></pre>'
    return f"<pre>{_html_escape(code)}</pre>"


@dataclass(frozen=True)
class Flavour:
    """How one platform spells each piece of Markdown."""

    name: str
    escape: Callable[[str], str]
    bold: tuple[str, str]
    italic: tuple[str, str]
    strike: tuple[str, str]
    inline_code: Callable[[str], str]
    link: Callable[[str, str], str]
    heading: Callable[[str], str]
    bullet: str
    quote: Callable[[list[str]], list[str]]
    code_block: Callable[[str, str], str]
    length: Callable[[str], int] = len


SLACK = Flavour(
    name="slack",
    escape=_slack_escape,
    bold=("*", "*"),
    italic=("_", "_"),
    strike=("~", "~"),
    inline_code=lambda code: f"`{_slack_escape(code)}`",
    link=_slack_link,
    heading=lambda text: f"*{text}*",
    bullet="• ",
    quote=lambda lines: [f"> {line}" for line in lines],
    code_block=lambda code, lang: f"```\n{_slack_escape(code)}\n```",
)

WHATSAPP = Flavour(
    name="whatsapp",
    escape=_no_escape,
    bold=("*", "*"),
    italic=("_", "_"),
    strike=("~", "~"),
    inline_code=lambda code: f"`{code}`",
    link=_whatsapp_link,
    heading=lambda text: f"*{text}*",
    bullet="- ",
    quote=lambda lines: [f"> {line}" for line in lines],
    # WhatsApp monospace block: ```text``` with no language tag (PLATFORMS.md §4.8).
    code_block=lambda code, lang: f"```{code}```",
)

TELEGRAM_HTML = Flavour(
    name="telegram_html",
    escape=_html_escape,
    bold=("<b>", "</b>"),
    italic=("<i>", "</i>"),
    strike=("<s>", "</s>"),
    inline_code=lambda code: f"<code>{_html_escape(code)}</code>",
    link=_telegram_link,
    heading=lambda text: f"<b>{text}</b>",
    bullet="• ",
    quote=lambda lines: ["<blockquote>" + "\n".join(lines) + "</blockquote>"],
    code_block=_telegram_code_block,
    length=utf16_length,
)

PLAIN = Flavour(
    name="plain",
    escape=_no_escape,
    bold=("", ""),
    italic=("", ""),
    strike=("", ""),
    inline_code=lambda code: code,
    link=lambda label, url: url if label == url else f"{label} ({url})",
    heading=lambda text: text,
    bullet="- ",
    quote=lambda lines: [f"> {line}" for line in lines],
    code_block=lambda code, lang: code,
)

MARKDOWN = Flavour(
    name="markdown",
    escape=_no_escape,
    bold=("**", "**"),
    italic=("_", "_"),
    strike=("~~", "~~"),
    inline_code=lambda code: f"`{code}`",
    link=lambda label, url: f"[{label}]({url})",
    heading=lambda text: f"**{text}**",
    bullet="- ",
    quote=lambda lines: [f"> {line}" for line in lines],
    code_block=lambda code, lang: f"```{lang}\n{code}\n```",
)
