"""Cut Markdown into code blocks and text runs, the unit every renderer and the splitter works on.

Fenced code is kept apart so that no inline rule touches it and no split lands inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)\s*$")


@dataclass(frozen=True)
class Segment:
    """A maximal run of text lines, or the body of one fenced code block."""

    kind: str  # "text" | "code"
    text: str
    lang: str = ""


def segments(markdown: str) -> list[Segment]:
    """Split Markdown into text and code segments; an unclosed fence runs to the end (a truncated model answer)."""
    out: list[Segment] = []
    text_lines: list[str] = []
    code_lines: list[str] = []
    fence: str | None = None
    lang = ""
    for line in markdown.replace("\r\n", "\n").split("\n"):
        match = FENCE.match(line)
        if fence is None:
            if match:
                if text_lines:
                    out.append(Segment("text", "\n".join(text_lines)))
                    text_lines = []
                fence, lang = match.group(1), match.group(2)
            else:
                text_lines.append(line)
        elif match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) and not match.group(2):
            out.append(Segment("code", "\n".join(code_lines), lang))
            code_lines, fence, lang = [], None, ""
        else:
            code_lines.append(line)
    if fence is not None:
        out.append(Segment("code", "\n".join(code_lines), lang))
    elif text_lines:
        out.append(Segment("text", "\n".join(text_lines)))
    return [s for s in out if s.kind == "code" or s.text.strip()] or [Segment("text", "")]


@dataclass(frozen=True)
class Unit:
    """A piece the splitter never cuts unless it alone is over the limit; `sep` is what joined it to the previous one."""

    segment: Segment
    sep: str


def units(markdown: str) -> list[Unit]:
    """Paragraphs of text segments and whole code blocks, each with the separator that preceded it."""
    out: list[Unit] = []
    blank_before = False
    for seg in segments(markdown):
        if seg.kind == "code":
            out.append(Unit(seg, "\n\n" if blank_before else "\n"))
            blank_before = False
            continue
        lines = seg.text.split("\n")
        leading_blank = bool(lines) and not lines[0].strip()
        blank_before = len(lines) > 1 and not lines[-1].strip()
        paragraphs = [p for p in re.split(r"\n[ \t]*\n", seg.text.strip("\n")) if p.strip()]
        for index, paragraph in enumerate(paragraphs):
            out.append(Unit(Segment("text", paragraph), "\n\n" if index or leading_blank else "\n"))
    return out
