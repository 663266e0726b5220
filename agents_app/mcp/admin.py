"""MCP servers in the admin, and what each agent gets from them (listed live, bounded by each server's timeout)."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from django.contrib import admin
from django.utils.html import format_html, format_html_join

from agents_app.mcp.client import McpServerError
from agents_app.mcp.models import McpServer
from agents_app.mcp.tools import _specs, cached_tools, server_names


def tools_html(tool_names: list[str]) -> str:
    """One line per MCP server the tools name: its tools as the model sees them, or why it cannot be reached."""
    specs = _specs(server_names(list(tool_names or [])))
    if not specs:
        return "No MCP servers among this agent's tools."
    rows = []
    for spec in specs:
        try:
            tools = async_to_sync(cached_tools)(spec)
            listed = ", ".join(f"{spec.name}_{tool.name}" for tool in tools) or "(no tools)"
        except McpServerError as exc:
            listed = f"unavailable: {exc}"
        rows.append((spec.name, listed))
    return format_html("<ul>{}</ul>", format_html_join("", "<li><strong>{}</strong>: {}</li>", rows))


@admin.register(McpServer)
class McpServerAdmin(admin.ModelAdmin):
    list_display = ("name", "command", "url", "timeout", "enabled")
    list_filter = ("enabled",)
    search_fields = ("name", "command", "url")
    readonly_fields = ("tools", "used_by")

    @admin.display(description="tools")
    def tools(self, obj: McpServer) -> str:
        if not obj.pk:
            return "Save first; the tools are then listed from the server."
        return tools_html([obj.name]) if obj.enabled else "disabled"

    @admin.display(description="agents using it")
    def used_by(self, obj: McpServer) -> str:
        from agents_app.models import Agent

        names = [agent.name for agent in Agent.objects.all() if obj.name in (agent.tools or [])]
        return ", ".join(names) or "none"
