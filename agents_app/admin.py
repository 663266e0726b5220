"""Admin for agents, guardrails and the provider fallback."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from agents_app.mcp.admin import tools_html
from agents_app.models import Agent, AgentRun, Guardrail, GuardrailVerdict, ModelPrice, ProviderSettings
from agents_app.pricing import cost_of
from gatewaysite.secret_fields import MaskedSecretInput, keep_masked


class AgentForm(forms.ModelForm):
    """Masks the API key; the tool list is validated by the configuration layer (routing adds that check)."""

    delegates = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Agents this one may hand tasks to; its model calls each as a tool (ask_<name>).",
    )

    class Meta:
        model = Agent
        fields = "__all__"
        widgets = {"api_key": MaskedSecretInput(attrs={"size": 60})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        others = Agent.objects.exclude(pk=self.instance.pk).values_list("name", flat=True)
        self.fields["delegates"].choices = [(name, name) for name in others]
        # A delegate renamed or deleted since stays listed until unticked, so saving never drops it silently.
        known = {name for name, _ in self.fields["delegates"].choices}
        self.fields["delegates"].choices += [(n, n) for n in (self.instance.delegates or []) if n not in known]

    def clean_api_key(self) -> str:
        return keep_masked(self.cleaned_data.get("api_key", ""), self.instance.api_key if self.instance.pk else "")

    def clean_delegates(self) -> list[str]:
        return list(self.cleaned_data.get("delegates") or [])


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    form = AgentForm
    list_display = ("name", "model", "memory", "enabled", "updated_at")
    list_filter = ("enabled", "memory")
    search_fields = ("name", "instructions", "model")
    readonly_fields = ("mcp_tools",)

    @admin.display(description="MCP tools")
    def mcp_tools(self, obj: Agent) -> str:
        """What the MCP servers this agent lists among its tools give it (asked live, bounded by their timeouts)."""
        return tools_html(obj.tools or [])


@admin.register(Guardrail)
class GuardrailAdmin(admin.ModelAdmin):
    list_display = ("name", "agent", "enabled", "description")
    list_filter = ("enabled", "agent")
    search_fields = ("name", "description")


@admin.register(ProviderSettings)
class ProviderSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "model")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ProviderSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: ProviderSettings | None = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit records are written by the runtime only: viewable and deletable, never added or edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


class GuardrailVerdictInline(admin.TabularInline):
    model = GuardrailVerdict
    fields = ("attempt", "guardrail_name", "verdict", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(AgentRun)
class AgentRunAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "agent_name",
        "status",
        "conversation",
        "input_preview",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "cost",
        "duration_ms",
        "trace",
    )
    list_filter = ("status", "provider", "agent_name")
    # context holds the session key and the inbound event: searching it finds a run by conversation id.
    search_fields = ("agent_name", "model", "error", "input_text", "output_text", "context")
    date_hierarchy = "created_at"
    inlines = [GuardrailVerdictInline]
    fields = (
        "trace",
        "parent_run",
        "child_runs",
        "agent_name",
        "status",
        "error",
        "input_text",
        "output_text",
        "tool_calls",
        "model",
        "provider",
        "prompt_tokens",
        "completion_tokens",
        "cost",
        "model_calls",
        "duration_ms",
        "context",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description="delegated by")
    def parent_run(self, obj: AgentRun) -> str:
        if obj.parent_id is None:
            return "-"
        url = reverse("admin:agents_app_agentrun_change", args=[obj.parent_id])
        return format_html('<a href="{}">{} run #{}</a>', url, obj.parent.agent_name, obj.parent_id)

    @admin.display(description="delegated to")
    def child_runs(self, obj: AgentRun) -> str:
        rows = [
            (reverse("admin:agents_app_agentrun_change", args=[pk]), name, pk)
            for pk, name in obj.children.order_by("id").values_list("pk", "agent_name")
        ]
        if not rows:
            return "-"
        return format_html_join(", ", '<a href="{}">{} run #{}</a>', rows)

    @admin.display(description="conversation")
    def conversation(self, obj: AgentRun) -> str:
        return str((obj.context or {}).get("session") or "")

    @admin.display(description="input")
    def input_preview(self, obj: AgentRun) -> str:
        return obj.input_text[:80]

    @admin.display(description="cost")
    def cost(self, obj: AgentRun) -> str:
        return str(cost_of(obj.model, obj.prompt_tokens, obj.completion_tokens))

    @admin.display(description="trace")
    def trace(self, obj: AgentRun) -> str:
        from routing.traces.build import trace_id_for_run

        return format_html('<a href="/ops/traces/{}/">trace</a>', trace_id_for_run(obj))


@admin.register(ModelPrice)
class ModelPriceAdmin(admin.ModelAdmin):
    list_display = ("model", "input_per_million", "output_per_million", "currency")
    search_fields = ("model",)


@admin.register(GuardrailVerdict)
class GuardrailVerdictAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "agent_name", "guardrail_name", "verdict", "attempt", "reason")
    list_filter = ("verdict", "guardrail_name", "agent_name")
    search_fields = ("agent_name", "guardrail_name", "reason")
    date_hierarchy = "created_at"
