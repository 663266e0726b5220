"""An agent's MCP tools as runtime Tools: `<server>_<tool>`, each call a bounded session with its server.

The tool list of a server is remembered briefly per process (GATEWAY_MCP_TOOLS_CACHE_SECONDS, default 60), so a
busy agent does not start a stdio server before every turn; calls always go to the server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from agents_app.mcp.client import McpServerError, McpTool, ServerSpec, call_tool, list_tools
from agents_app.tools.base import Tool
from agents_app.tools.registry import is_known_tool

_listed: dict[str, tuple[float, list[McpTool]]] = {}  # repr(spec) -> (when, tools)


def server_names(tool_names: list[str]) -> list[str]:
    """The names in an agent's tools that are not registered tools (candidates for MCP servers)."""
    return [str(name) for name in tool_names if not is_known_tool(str(name))]


def _specs(names: list[str]) -> list[ServerSpec]:
    from agents_app.mcp.models import McpServer

    return [ServerSpec.of(server) for server in McpServer.objects.filter(name__in=names, enabled=True)]


async def cached_tools(spec: ServerSpec) -> list[McpTool]:
    ttl = float(getattr(settings, "GATEWAY_MCP_TOOLS_CACHE_SECONDS", 60))
    key = repr(spec)
    hit = _listed.get(key)
    if hit and time.monotonic() - hit[0] < ttl:
        return hit[1]
    tools = await list_tools(spec)
    _listed[key] = (time.monotonic(), tools)
    return tools


def _caller(spec: ServerSpec, tool: str) -> Callable[..., Coroutine[Any, Any, str]]:
    async def call(**arguments: Any) -> str:
        return await call_tool(spec, tool, arguments)

    return call


async def tools_for(tool_names: list[str]) -> tuple[set[str], dict[str, Tool]]:
    """(the MCP server names found among `tool_names`, their tools). Raises McpServerError for a dead server."""
    candidates = server_names(tool_names)
    if not candidates:
        return set(), {}
    specs = await sync_to_async(_specs, thread_sensitive=True)(candidates)
    tools: dict[str, Tool] = {}
    for spec in specs:
        for info in await cached_tools(spec):
            name = f"{spec.name}_{info.name}"[:64]
            tools[name] = Tool(
                name=name, description=info.description, parameters=info.parameters, func=_caller(spec, info.name)
            )
    return {spec.name for spec in specs}, tools


__all__ = ["McpServerError", "tools_for"]
