"""MCP servers over stdio and streamable HTTP through the official SDK; a dead server is a named error in bounded
time."""

from __future__ import annotations

import sys
import time

import pytest

from agents_app.mcp.client import McpServerError, ServerSpec, call_tool, list_tools
from tests.agents_app.mcp.conftest import SCRIPT


def stdio(name: str = "files", **extra: object) -> ServerSpec:
    return ServerSpec(name, command=sys.executable, args=(str(SCRIPT),), timeout=20, **extra)


async def test_a_stdio_server_lists_its_tools_and_answers_a_call() -> None:
    tools = await list_tools(stdio())
    assert {tool.name for tool in tools} == {"add", "shout", "whoami"}
    add = next(tool for tool in tools if tool.name == "add")
    assert add.description == "Add two integers." and set(add.parameters["properties"]) == {"a", "b"}
    assert await call_tool(stdio(), "add", {"a": 2, "b": 3}) == "5"


async def test_a_stdio_server_gets_its_env_with_references_resolved(monkeypatch) -> None:
    monkeypatch.setenv("MCP_NAME_FOR_TEST", "gateway-7")
    assert await call_tool(stdio(env={"MCP_TEST_NAME": "${MCP_NAME_FOR_TEST}"}), "whoami", {}) == "gateway-7"


async def test_a_streamable_http_server_lists_and_answers(mcp_http_url: str) -> None:
    spec = ServerSpec("remote", url=mcp_http_url, timeout=20)
    assert "shout" in {tool.name for tool in await list_tools(spec)}
    assert await call_tool(spec, "shout", {"text": "hi"}) == "HI"


async def test_a_tool_error_comes_back_as_text_for_the_model() -> None:
    result = await call_tool(stdio(), "add", {"a": "x"})
    assert result.startswith("error:")


async def test_a_server_command_that_does_not_exist_is_an_error_naming_the_server() -> None:
    with pytest.raises(McpServerError, match="MCP server 'ghost' failed tools/list: FileNotFoundError"):
        await list_tools(ServerSpec("ghost", command="/nonexistent/mcp-server", timeout=5))


async def test_a_server_that_never_answers_is_an_error_after_its_timeout_not_a_hang() -> None:
    mute = ServerSpec("mute", command=sys.executable, args=("-c", "import time; time.sleep(60)"), timeout=1)
    started = time.monotonic()
    with pytest.raises(McpServerError, match="MCP server 'mute' did not answer tools/list within 1s"):
        await list_tools(mute)
    assert time.monotonic() - started < 10


async def test_an_http_server_nobody_listens_on_is_an_error_naming_it() -> None:
    from tests.agents_app.mcp.conftest import _free_port

    with pytest.raises(McpServerError, match="MCP server 'gone'"):
        await list_tools(ServerSpec("gone", url=f"http://127.0.0.1:{_free_port()}/mcp", timeout=5))
