"""An agent that lists an MCP server among its tools gets that server's tools as `<server>_<tool>`."""

from __future__ import annotations

import sys

import pytest

from agents_app.mcp.models import McpServer
from agents_app.models import Agent
from agents_app.runtime import AgentError, run_agent, stream_agent
from agents_app.runtime.types import ToolFinished
from tests.agents_app.mcp.conftest import SCRIPT

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_offline_model_calls_an_mcp_tool_and_answers_with_its_result() -> None:
    await McpServer.objects.acreate(name="files", command=sys.executable, args=[str(SCRIPT)], timeout=20)
    agent = await Agent.objects.acreate(name="helper", model="echo", tools=["files", "get_weather"])
    events = [event async for event in stream_agent(agent, [], '/files_add {"a": 20, "b": 22}')]
    assert ToolFinished("files_add", "42", False) in events
    assert events[-1].reply.text == "files_add: 42"


async def test_an_agent_whose_mcp_server_is_dead_fails_with_an_error_naming_the_server() -> None:
    await McpServer.objects.acreate(name="ghost", command="/nonexistent/mcp-server", timeout=3)
    agent = await Agent.objects.acreate(name="helper", model="echo", tools=["ghost"])
    with pytest.raises(AgentError, match="MCP server 'ghost' failed tools/list") as caught:
        await run_agent(agent, [], "hello")
    assert caught.value.reason == "mcp_unavailable"


async def test_a_disabled_mcp_server_is_an_unknown_tool() -> None:
    await McpServer.objects.acreate(name="files", command=sys.executable, args=[str(SCRIPT)], enabled=False)
    agent = await Agent.objects.acreate(name="helper", model="echo", tools=["files"])
    with pytest.raises(AgentError) as caught:
        await run_agent(agent, [], "hello")
    assert caught.value.reason == "unknown_tool"
