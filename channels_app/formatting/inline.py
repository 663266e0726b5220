"""Inline Markdown (code, links, bold, italic, strike) rewritten into a flavour's markup.

Code spans and links are set aside before anything else runs, so their contents are never reformatted or
double-escaped; emphasis is matched on Markdown's own markers, then swapped for the flavour's.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from channels_app.formatting.flavours import Flavour

_B0, _B1, _I0, _I1, _S0, _S1 = "\ue000", "\ue001", "\ue002", "\ue003", "\ue004", "\ue005"
_HOLD = re.compile("\ue010(\\d+)\ue011")
_CODE = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"\[([^\]\n]+)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_BOLD_STARS = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_BOLD_UNDERSCORES = re.compile(r"(?<![\w_])__(?=\S)(.+?)(?<=\S)__(?![\w_])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_ITALIC_STAR = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")
_ITALIC_UNDERSCORE = re.compile(r"(?<![_\w])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![_\w])")


def render_inline(text: str, flavour: Flavour) -> str:
    """Render one line of Markdown inline syntax in `flavour`."""
    held: list[str] = []

    def hold(value: str) -> str:
        held.append(value)
        return f"\ue010{len(held) - 1}\ue011"

    text = _CODE.sub(lambda m: hold(flavour.inline_code(m.group(2))), text)
    text = _LINK.sub(lambda m: hold(flavour.link(render_inline(m.group(1), flavour), m.group(2))), text)
    text = _AUTOLINK.sub(lambda m: hold(flavour.link(flavour.escape(m.group(1)), m.group(1))), text)
    text = flavour.escape(text)
    text = _BOLD_STARS.sub(lambda m: _B0 + m.group(1) + _B1, text)
    text = _BOLD_UNDERSCORES.sub(lambda m: _B0 + m.group(1) + _B1, text)
    text = _STRIKE.sub(lambda m: _S0 + m.group(1) + _S1, text)
    text = _ITALIC_STAR.sub(lambda m: _I0 + m.group(1) + _I1, text)
    text = _ITALIC_UNDERSCORE.sub(lambda m: _I0 + m.group(1) + _I1, text)
    for marker, value in (
        (_B0, flavour.bold[0]),
        (_B1, flavour.bold[1]),
        (_I0, flavour.italic[0]),
        (_I1, flavour.italic[1]),
        (_S0, flavour.strike[0]),
        (_S1, flavour.strike[1]),
    ):
        text = text.replace(marker, value)
    while _HOLD.search(text):
        text = _HOLD.sub(lambda m: held[int(m.group(1))], text)
    return text
