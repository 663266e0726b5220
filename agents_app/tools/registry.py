"""The tool registry: built-in tool names, and custom tools named by dotted path.

Agents list tool names; `load_tool` turns a name into a callable Tool. Validation (`is_known_tool`,
`tool_problem`) is what the admin, the API and the YAML import use to reject unknown names.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from agents_app.tools.base import Tool

BUILTIN_TOOLS: tuple[str, ...] = ("search_web", "get_weather")
DOTTED_PATH = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$")
_BUILTIN_PATHS = {
    "search_web": "agents_app.tools.search.search_web",
    "get_weather": "agents_app.tools.weather.get_weather",
}


class UnknownToolError(LookupError):
    """A configured tool name is neither built in nor an importable callable."""


def tool_names() -> list[str]:
    """Names of the built-in tools."""
    return list(BUILTIN_TOOLS)


def is_known_tool(name: str) -> bool:
    """A built-in name, or a dotted path to a Python callable (checked for shape here, imported when used)."""
    return name in BUILTIN_TOOLS or bool(DOTTED_PATH.match(name))


def tool_problem(name: str) -> str | None:
    """Why `name` cannot be used as a tool (None when it can): stricter than is_known_tool, it imports the path."""
    try:
        load_tool(name)
    except UnknownToolError as exc:
        return str(exc)
    return None


@cache
def load_tool(name: str) -> Tool:
    """The Tool for a built-in name or a dotted path; the model sees a custom tool under its function name."""
    if name in _BUILTIN_PATHS:
        return Tool.from_function(_import(_BUILTIN_PATHS[name]), name=name)
    if not DOTTED_PATH.match(name):
        raise UnknownToolError(f"unknown tool {name!r} (built-ins: {', '.join(BUILTIN_TOOLS)}; or a dotted path)")
    return Tool.from_function(_import(name))


def _import(path: str) -> Callable[..., Any]:
    module_path, _, attribute = path.rpartition(".")
    try:
        module = importlib.import_module(module_path)
    except ImportError as exc:
        raise UnknownToolError(f"tool {path!r}: cannot import module {module_path!r} ({exc})") from exc
    func = getattr(module, attribute, None)
    if func is None or not callable(func):
        raise UnknownToolError(f"tool {path!r}: {module_path!r} has no callable {attribute!r}")
    return func
