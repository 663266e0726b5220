"""Markdown from the model → each platform's native markup, and splitting under a platform's length limit.

Public entry points: `render(markdown, flavour)` and `render_chunks(markdown, flavour, limit)`.
"""

from __future__ import annotations

from channels_app.formatting.render import FLAVOURS, render, render_chunks

__all__ = ["FLAVOURS", "render", "render_chunks"]
