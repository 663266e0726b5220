"""Talking to one MCP server: list its tools, call one; each a short-lived session bounded by the server's timeout.

A fresh session per operation keeps no subprocess or socket across agent turns (nothing to leak or to find dead
later); the cost is one start-up per call, acceptable for tool calls that already take a model round trip.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from gatewaysite.secrets import resolve_secret

MAX_RESULT_CHARS = 8000


class McpServerError(Exception):
    """The server could not be started, reached or understood in time; the message names it."""


@dataclass(frozen=True)
class ServerSpec:
    """What it takes to reach a server (secrets still as ${VAR}; resolved when connecting)."""

    name: str
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 10.0

    @classmethod
    def of(cls, server: Any) -> ServerSpec:
        return cls(
            name=server.name,
            command=server.command,
            args=tuple(str(arg) for arg in server.args or ()),
            env=dict(server.env or {}),
            url=server.url,
            headers=dict(server.headers or {}),
            timeout=float(server.timeout or 10.0),
        )


@dataclass(frozen=True)
class McpTool:
    """A tool as the server describes it."""

    name: str
    description: str
    parameters: dict[str, Any]


def _resolved(values: dict[str, str]) -> dict[str, str]:
    return {key: resolve_secret(str(value)) or "" for key, value in values.items()}


def _target(spec: ServerSpec) -> Any:
    import os

    from mcp import StdioServerParameters
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    if spec.url:
        if spec.headers:
            return streamable_http_client(spec.url, http_client=create_mcp_http_client(headers=_resolved(spec.headers)))
        return spec.url
    # The child gets the server's own variables on top of a minimal environment (PATH, HOME…), not our secrets.
    from mcp.client.stdio import get_default_environment

    env = {**get_default_environment(), **_resolved(spec.env)}
    env.setdefault("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    return StdioServerParameters(command=spec.command, args=list(spec.args), env=env)


@asynccontextmanager
async def _client(spec: ServerSpec) -> AsyncIterator[Any]:
    from mcp import Client

    if not spec.url and not spec.command:
        raise McpServerError(f"MCP server '{spec.name}' has neither a command nor a url")
    async with Client(_target(spec), read_timeout_seconds=spec.timeout) as client:
        yield client


async def _bounded(spec: ServerSpec, what: str, operation: Any) -> Any:
    try:
        return await asyncio.wait_for(operation, spec.timeout)
    except TimeoutError as exc:
        raise McpServerError(f"MCP server '{spec.name}' did not answer {what} within {spec.timeout:g}s") from exc
    except McpServerError:
        raise
    except Exception as exc:  # start-up failures, refused connections, protocol errors: all name the server
        detail = exc.exceptions[0] if isinstance(exc, BaseExceptionGroup) and exc.exceptions else exc
        raise McpServerError(f"MCP server '{spec.name}' failed {what}: {type(detail).__name__}: {detail}") from exc


async def list_tools(spec: ServerSpec) -> list[McpTool]:
    """The server's tools; McpServerError when it cannot be reached in time."""

    async def run() -> list[McpTool]:
        async with _client(spec) as client:
            result = await client.list_tools()
        return [
            McpTool(tool.name, tool.description or tool.name, dict(tool.input_schema or {"type": "object"}))
            for tool in result.tools
        ]

    return await _bounded(spec, "tools/list", run())


async def call_tool(spec: ServerSpec, tool: str, arguments: dict[str, Any]) -> str:
    """The tool's text result (an error result comes back prefixed `error:`, for the model to read)."""

    async def run() -> str:
        async with _client(spec) as client:
            result = await client.call_tool(tool, arguments)
        parts = [getattr(block, "text", None) or str(block) for block in result.content or []]
        text = "\n".join(parts) or str(getattr(result, "structured_content", "") or "")
        return (f"error: {text}" if result.is_error else text)[:MAX_RESULT_CHARS]

    return await _bounded(spec, f"tools/call {tool}", run())
