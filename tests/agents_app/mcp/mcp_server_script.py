"""A tiny MCP server for the tests: `python mcp_server_script.py` speaks stdio, `--http PORT` streamable HTTP on
127.0.0.1. Tools: add(a, b), shout(text), and whoami() which reports MCP_TEST_NAME from its environment."""

from __future__ import annotations

import os
import sys

from mcp.server.mcpserver import MCPServer

server = MCPServer("test-tools")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def shout(text: str) -> str:
    """The text in capitals."""
    return text.upper()


@server.tool()
def whoami() -> str:
    """The MCP_TEST_NAME variable the gateway passed."""
    return os.environ.get("MCP_TEST_NAME", "")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
