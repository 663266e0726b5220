"""The agent form's Tools: a multi-select of the registered tools (agents_app.tools.registry), plus a line for names
the registry cannot list (an MCP server's tools, a tool module not loaded here), instead of a raw JSON textarea."""

from __future__ import annotations

from typing import Any

from django import forms


class ToolsFormMixin(forms.Form):
    """Declares `tools` (multi-select, choices filled per form) and `more_tools` (comma-separated)."""

    tools = forms.MultipleChoiceField(
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Registered tools (built-ins and GATEWAY_TOOL_MODULES).",
    )
    more_tools = forms.CharField(
        required=False,
        label="Other tools",
        help_text="Comma-separated names the list above does not show (an MCP server's tools, for example).",
    )

    def setup_tools(self: Any) -> None:
        from agents_app.tools.registry import registered_tool_names

        names = list(registered_tool_names())
        self.fields["tools"].choices = [(name, name) for name in names]
        current = [str(name) for name in (getattr(self.instance, "tools", None) or [])] if self.instance.pk else []
        if current:
            self.initial["tools"] = [name for name in current if name in names]
            self.initial["more_tools"] = ", ".join(name for name in current if name not in names)

    def clean_more_tools(self: Any) -> list[str]:
        text = self.cleaned_data.get("more_tools") or ""
        return [part.strip() for part in text.split(",") if part.strip()]

    def merged_tools(self: Any, cleaned: dict) -> list[str]:
        chosen = list(cleaned.get("tools") or [])
        return chosen + [name for name in cleaned.get("more_tools") or [] if name not in chosen]
