"""The tool registry: the only callables an agent may be given.

A tool is either built in (`search_web`, `get_weather`) or a function a deployment registered with `@gateway_tool`
in a module it trusts: a module named in the `GATEWAY_TOOL_MODULES` setting, or a `gateway_tools` module of an
installed app. Configuration (YAML import, admin, API) names tools; validation looks the names up here and never
imports anything a configuration names — a tool list is data, not code. So `tools: ["subprocess.getoutput"]` is an
unknown tool, and checking `tools: ["this.s"]` does not import `this`.

A registered function is known by its name (or the `name=` given to the decorator) and, for configurations written
before the registry, by its dotted path `module.function`; the model always sees the short name.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar, overload

from django.core.exceptions import ImproperlyConfigured

from agents_app.tools.base import Tool

BUILTIN_TOOLS: tuple[str, ...] = ("search_web", "get_weather")
BUILTIN_MODULES: tuple[str, ...] = ("agents_app.tools.search", "agents_app.tools.weather")
APP_TOOL_MODULE = "gateway_tools"  # an installed app's module of this name is imported for its @gateway_tool functions

F = TypeVar("F", bound=Callable[..., Any])

_tools: dict[str, Tool] = {}  # registered name -> Tool
_aliases: dict[str, str] = {}  # dotted path -> registered name
_loaded = False
_lock = threading.RLock()


class UnknownToolError(LookupError):
    """A configured tool name is not in the registry."""


@overload
def gateway_tool(func: F, /) -> F: ...
@overload
def gateway_tool(*, name: str | None = None) -> Callable[[F], F]: ...
def gateway_tool(func: Callable[..., Any] | None = None, /, *, name: str | None = None) -> Any:
    """Register `func` as a tool agents may list: `@gateway_tool` or `@gateway_tool(name="lookup")`.

    Registering happens when the module is imported, so put the module in GATEWAY_TOOL_MODULES (or name it
    `gateway_tools.py` in an installed app). Two different functions under one name is a configuration error.
    """

    def register(target: F) -> F:
        tool_name = name or target.__name__
        path = f"{target.__module__}.{target.__qualname__}"
        with _lock:
            existing = _tools.get(tool_name)
            if existing is not None and existing.func is not target:
                existing_path = f"{existing.func.__module__}.{existing.func.__qualname__}"
                if existing_path != path:  # the same function imported twice (e.g. reloaded) is not a clash
                    raise ImproperlyConfigured(f"two tools are named {tool_name!r}: {existing_path} and {path}")
            _tools[tool_name] = Tool.from_function(target, name=tool_name)
            _aliases[path] = tool_name
        return target

    return register(func) if func is not None else register


def _ensure_loaded() -> None:
    """Import the trusted tool modules once: built-ins, GATEWAY_TOOL_MODULES, installed apps' gateway_tools."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        from django.conf import settings
        from django.utils.module_loading import autodiscover_modules

        for module in BUILTIN_MODULES:
            importlib.import_module(module)
        for module in getattr(settings, "GATEWAY_TOOL_MODULES", ()) or ():
            try:
                importlib.import_module(module)
            except ImportError as exc:
                raise ImproperlyConfigured(f"GATEWAY_TOOL_MODULES: cannot import {module!r} ({exc})") from exc
        autodiscover_modules(APP_TOOL_MODULE)
        _loaded = True


def forget_loaded_modules(**kwargs: Any) -> None:
    """When GATEWAY_TOOL_MODULES changes (tests' override_settings), import the listed modules again on next lookup."""
    global _loaded
    if kwargs.get("setting") in (None, "GATEWAY_TOOL_MODULES"):
        _loaded = False


def tool_names() -> list[str]:
    """Names of the built-in tools."""
    return list(BUILTIN_TOOLS)


def registered_tool_names() -> list[str]:
    """Every name an agent may list: the built-ins first, then the deployment's tools alphabetically."""
    _ensure_loaded()
    custom = sorted(name for name in _tools if name not in BUILTIN_TOOLS)
    return [*BUILTIN_TOOLS, *custom]


def _lookup(name: str) -> Tool | None:
    _ensure_loaded()
    tool_name = name if name in _tools else _aliases.get(name)
    return _tools.get(tool_name) if tool_name else None


def is_known_tool(name: str) -> bool:
    """Whether `name` is registered (by name or dotted path). Never imports what `name` names."""
    return _lookup(name) is not None


def tool_problem(name: str) -> str | None:
    """Why `name` cannot be used as a tool (None when it can)."""
    if is_known_tool(name):
        return None
    known = ", ".join(registered_tool_names())
    hint = " (custom tools must be registered with @gateway_tool in a module listed in GATEWAY_TOOL_MODULES)"
    return f"unknown tool {name!r}; registered tools: {known}{hint if '.' in name else ''}"


def load_tool(name: str) -> Tool:
    """The registered Tool for `name`; the model sees it under its registered name."""
    tool = _lookup(name)
    if tool is None:
        raise UnknownToolError(tool_problem(name) or f"unknown tool {name!r}")
    return tool
