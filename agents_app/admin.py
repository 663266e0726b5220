"""Admin for agents, guardrails and the provider fallback."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from agents_app.models import Agent, Guardrail, ProviderSettings
from gatewaysite.secret_fields import MaskedSecretInput, keep_masked


class AgentForm(forms.ModelForm):
    """Masks the API key; the tool list is validated by the configuration layer (routing adds that check)."""

    class Meta:
        model = Agent
        fields = "__all__"
        widgets = {"api_key": MaskedSecretInput(attrs={"size": 60})}

    def clean_api_key(self) -> str:
        return keep_masked(self.cleaned_data.get("api_key", ""), self.instance.api_key if self.instance.pk else "")


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    form = AgentForm
    list_display = ("name", "model", "memory", "enabled", "updated_at")
    list_filter = ("enabled", "memory")
    search_fields = ("name", "instructions", "model")


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
