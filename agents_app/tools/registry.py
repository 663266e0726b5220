"""The tool registry: built-in tool names, and custom tools named by dotted path."""

from __future__ import annotations

import re

BUILTIN_TOOLS: tuple[str, ...] = ("search_web", "get_weather")
DOTTED_PATH = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$")


def tool_names() -> list[str]:
    """Names of the built-in tools."""
    return list(BUILTIN_TOOLS)


def is_known_tool(name: str) -> bool:
    """A built-in name, or a dotted path to a Python callable (checked for shape here, imported when used)."""
    return name in BUILTIN_TOOLS or bool(DOTTED_PATH.match(name))
