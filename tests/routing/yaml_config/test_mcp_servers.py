"""`mcp_servers:` in gateway.yaml: stdio and HTTP servers imported, named in agents' tools, exported back."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from agents_app.mcp.models import McpServer
from agents_app.models import Agent

pytestmark = pytest.mark.django_db

CONFIG = """
mcp_servers:
  files: "npx -y @modelcontextprotocol/server-filesystem /srv/docs"
  search:
    command: python
    args: ["-m", "search_server"]
    env: {SEARCH_KEY: "${SEARCH_KEY}"}
    timeout: 5
  remote:
    url: http://127.0.0.1:9900/mcp
    headers: {Authorization: "Bearer ${REMOTE_MCP_TOKEN}"}
agents:
  helper:
    model: echo
    tools: [files, search, remote, get_weather]
"""


def run(tmp_path: Path, text: str) -> tuple[str, str]:
    path = tmp_path / "gateway.yaml"
    path.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_gateway_yaml", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_servers_import_in_each_form_and_agents_may_name_them_as_tools(tmp_path: Path) -> None:
    run(tmp_path, CONFIG)
    files = McpServer.objects.get(name="files")
    assert (files.command, files.args) == ("npx", ["-y", "@modelcontextprotocol/server-filesystem", "/srv/docs"])
    search = McpServer.objects.get(name="search")
    assert search.env == {"SEARCH_KEY": "${SEARCH_KEY}"} and search.timeout == 5
    assert McpServer.objects.get(name="remote").headers == {"Authorization": "Bearer ${REMOTE_MCP_TOKEN}"}
    assert Agent.objects.get(name="helper").tools == ["files", "search", "remote", "get_weather"]
    assert "No changes" in run(tmp_path, CONFIG)[0]


def test_an_export_writes_the_servers_back_with_references_kept(tmp_path: Path) -> None:
    run(tmp_path, CONFIG)
    out = io.StringIO()
    call_command("export_gateway_yaml", stdout=out)
    servers = yaml.safe_load(out.getvalue())["mcp_servers"]
    assert servers["search"] == {
        "command": "python",
        "args": ["-m", "search_server"],
        "env": {"SEARCH_KEY": "${SEARCH_KEY}"},
        "timeout": 5.0,
    }
    assert servers["remote"]["url"] == "http://127.0.0.1:9900/mcp"


def test_a_server_with_both_a_command_and_a_url_fails_with_its_path(tmp_path: Path) -> None:
    err = io.StringIO()
    path = tmp_path / "bad.yaml"
    path.write_text("mcp_servers:\n  both: {command: x, url: 'http://127.0.0.1:1/mcp'}\n")
    with pytest.raises(CommandError):
        call_command("import_gateway_yaml", str(path), stdout=io.StringIO(), stderr=err)
    assert "error: mcp_servers.both: give either command (a stdio server) or url" in err.getvalue()


def test_a_tool_that_is_neither_registered_nor_an_mcp_server_is_still_an_error(tmp_path: Path) -> None:
    err = io.StringIO()
    path = tmp_path / "bad.yaml"
    path.write_text("agents:\n  helper:\n    model: echo\n    tools: [filez]\n")
    with pytest.raises(CommandError):
        call_command("import_gateway_yaml", str(path), stdout=io.StringIO(), stderr=err)
    assert "agents.helper.tools[0]: unknown tool 'filez'" in err.getvalue()


def test_prune_removes_servers_the_file_no_longer_names(tmp_path: Path) -> None:
    run(tmp_path, CONFIG)
    path = tmp_path / "small.yaml"
    path.write_text("agents:\n  helper:\n    model: echo\n")
    call_command("import_gateway_yaml", str(path), "--prune", stdout=io.StringIO(), stderr=io.StringIO())
    assert not McpServer.objects.exists()
