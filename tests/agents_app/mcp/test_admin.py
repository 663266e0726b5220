"""The admin lists, per agent and per MCP server, the tools the server gives — or why it cannot be reached."""

from __future__ import annotations

import sys

import pytest
from django.contrib.auth import get_user_model

from agents_app.mcp.models import McpServer
from agents_app.models import Agent
from tests.agents_app.mcp.conftest import SCRIPT

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-for-tests")
    client.force_login(user)
    return client


def test_an_agents_admin_page_lists_its_mcp_tools_and_names_a_dead_server(staff) -> None:
    McpServer.objects.create(name="files", command=sys.executable, args=[str(SCRIPT)], timeout=20)
    McpServer.objects.create(name="ghost", command="/nonexistent/mcp-server", timeout=3)
    agent = Agent.objects.create(name="helper", model="echo", tools=["files", "ghost", "get_weather"])
    page = staff.get(f"/admin/agents_app/agent/{agent.pk}/change/").content.decode()
    assert "files_add" in page and "files_shout" in page
    assert "unavailable: MCP server &#x27;ghost&#x27; failed tools/list" in page


def test_an_mcp_servers_admin_page_shows_its_tools_and_the_agents_using_it(staff) -> None:
    server = McpServer.objects.create(name="files", command=sys.executable, args=[str(SCRIPT)], timeout=20)
    Agent.objects.create(name="helper", model="echo", tools=["files"])
    page = staff.get(f"/admin/agents_app/mcpserver/{server.pk}/change/").content.decode()
    assert "files_whoami" in page and "helper" in page
