"""Agent tools from MCP servers (PraisonAI's `mcp_servers:`), through the official `mcp` SDK.

An agent lists a server's name among its `tools`; each of that server's tools reaches the model as
`<server>_<tool>`. Stdio servers are started as subprocesses, streamable HTTP servers are called at their URL. Every
connection is bounded by the server's timeout, so a dead server is a named error, never a hang.
"""
