"""MCP servers an agent may take tools from."""

from __future__ import annotations

from django.db import models


class McpServer(models.Model):
    """One `mcp_servers.<name>` entry: a command (stdio) or a URL (streamable HTTP)."""

    name = models.SlugField(max_length=100, unique=True, help_text="What agents list in their tools.")
    command = models.CharField(max_length=500, blank=True, help_text="Stdio server: the program to start.")
    args = models.JSONField(default=list, blank=True, help_text="Stdio server: its arguments (a list of strings).")
    env = models.JSONField(
        default=dict, blank=True, help_text="Stdio server: extra environment variables (values may be ${VAR})."
    )
    url = models.CharField(max_length=500, blank=True, help_text="Streamable HTTP server: its endpoint URL.")
    headers = models.JSONField(
        default=dict, blank=True, help_text="HTTP server: request headers, e.g. Authorization (values may be ${VAR})."
    )
    timeout = models.FloatField(default=10.0, help_text="Seconds to connect, list or call before it is an error.")
    enabled = models.BooleanField(default=True, help_text="A disabled server gives its agents no tools.")

    class Meta:
        ordering = ["name"]
        verbose_name = "MCP server"

    def __str__(self) -> str:
        return f"{self.name} ({self.url or self.command})"
