"""Walk Markdown block by block, render it in a flavour, and pack the result into chunks under a limit.

Splitting happens on rendered text (escaping changes lengths, PLATFORMS.md §2.6) at paragraph, then line,
sentence, word boundaries; a code block is never cut open: an oversize one becomes several closed blocks.
"""

from __future__ import annotations

import re

from channels_app.formatting.blocks import Segment, units
from channels_app.formatting.flavours import MARKDOWN, PLAIN, SLACK, TELEGRAM_HTML, WHATSAPP, Flavour
from channels_app.formatting.inline import render_inline

FLAVOURS: dict[str, Flavour] = {f.name: f for f in (SLACK, WHATSAPP, TELEGRAM_HTML, PLAIN, MARKDOWN)}

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^(\s*)(\d+)[.)]\s+(.*)$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def _flavour(flavour: str | Flavour) -> Flavour:
    return flavour if isinstance(flavour, Flavour) else FLAVOURS[flavour]


def _render_text(text: str, fl: Flavour) -> str:
    out: list[str] = []
    quoted: list[str] = []
    for line in text.split("\n"):
        quote = _QUOTE.match(line)
        if quote:
            quoted.append(render_inline(quote.group(1), fl))
            continue
        if quoted:
            out.extend(fl.quote(quoted))
            quoted = []
        if _RULE.match(line):
            out.append("———")
        elif heading := _HEADING.match(line):
            out.append(fl.heading(render_inline(heading.group(1), fl)))
        elif bullet := _BULLET.match(line):
            out.append(bullet.group(1) + fl.bullet + render_inline(bullet.group(2), fl))
        elif numbered := _NUMBERED.match(line):
            out.append(f"{numbered.group(1)}{numbered.group(2)}. " + render_inline(numbered.group(3), fl))
        else:
            out.append(render_inline(line, fl))
    if quoted:
        out.extend(fl.quote(quoted))
    return "\n".join(out)


def _render_segment(segment: Segment, fl: Flavour) -> str:
    if segment.kind == "code":
        return fl.code_block(segment.text, segment.lang)
    return _render_text(segment.text, fl)


def render(markdown: str, flavour: str | Flavour) -> str:
    """The whole reply in the flavour's markup, with its original line structure."""
    fl = _flavour(flavour)
    pieces = units(markdown)
    out = ""
    for index, unit in enumerate(pieces):
        out += ("" if index == 0 else unit.sep) + _render_segment(unit.segment, fl)
    return out


def _hard_split(text: str, fl: Flavour, limit: int, kind: str, lang: str) -> list[str]:
    """Longest prefixes of `text` whose rendering fits; the last resort for a single overlong word or line."""
    pieces: list[str] = []
    rest = text
    while rest:
        low, high = 1, len(rest)
        while low < high:
            mid = (low + high + 1) // 2
            if fl.length(_render_segment(Segment(kind, rest[:mid], lang), fl)) <= limit:
                low = mid
            else:
                high = mid - 1
        pieces.append(rest[:low])
        rest = rest[low:]
    return pieces


def _split_source(text: str, fl: Flavour, limit: int, kind: str, lang: str, level: int = 0) -> list[str]:
    """Source pieces of one unit, each of which renders within `limit`."""
    if fl.length(_render_segment(Segment(kind, text, lang), fl)) <= limit:
        return [text]
    splitters: list[tuple[re.Pattern[str] | None, str]] = [(re.compile(r"\n"), "\n")]
    if kind == "text":
        splitters += [(_SENTENCE_END, " "), (re.compile(r" +"), " ")]
    if level >= len(splitters):
        return _hard_split(text, fl, limit, kind, lang)
    pattern, joiner = splitters[level]
    parts = [p for p in pattern.split(text) if p != ""] if pattern else [text]
    if len(parts) <= 1:
        return _split_source(text, fl, limit, kind, lang, level + 1)
    pieces: list[str] = []
    current = ""
    for part in parts:
        candidate = part if not current else current + joiner + part
        if fl.length(_render_segment(Segment(kind, candidate, lang), fl)) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        if fl.length(_render_segment(Segment(kind, part, lang), fl)) <= limit:
            current = part
        else:
            pieces.extend(_split_source(part, fl, limit, kind, lang, level + 1))
            current = ""
    if current:
        pieces.append(current)
    return pieces


def render_chunks(markdown: str, flavour: str | Flavour, limit: int) -> list[str]:
    """The reply rendered and packed into as few chunks as fit under `limit` (in the flavour's length unit)."""
    fl = _flavour(flavour)
    rendered: list[tuple[str, str]] = []
    for unit in units(markdown):
        seg = unit.segment
        for index, piece in enumerate(_split_source(seg.text, fl, limit, seg.kind, seg.lang)):
            rendered.append((unit.sep if index == 0 else "\n", _render_segment(Segment(seg.kind, piece, seg.lang), fl)))
    chunks: list[str] = []
    current = ""
    for sep, text in rendered:
        if not current:
            current = text
        elif fl.length(current + sep + text) <= limit:
            current += sep + text
        else:
            chunks.append(current)
            current = text
    if current or not chunks:
        chunks.append(current)
    return [c for c in chunks if c.strip()] or chunks[:1]
