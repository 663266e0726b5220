"""Admin for the gateway settings and the message log (ChannelInstance's admin lives in routing.admin, beside its
routing rules inline)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from channels_app.models import GatewaySettings
from gatewaysite.secret_fields import MaskedSecretInput, keep_masked


class GatewaySettingsForm(forms.ModelForm):
    """Masks the shared auth token."""

    class Meta:
        model = GatewaySettings
        fields = "__all__"
        widgets = {"auth_token": MaskedSecretInput(attrs={"size": 60})}

    def clean_auth_token(self) -> str:
        stored = self.instance.auth_token if self.instance.pk else ""
        return keep_masked(self.cleaned_data.get("auth_token", ""), stored)


@admin.register(GatewaySettings)
class GatewaySettingsAdmin(admin.ModelAdmin):
    form = GatewaySettingsForm
    list_display = ("__str__", "max_connections", "heartbeat_interval", "reconnect_timeout", "push_enabled")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not GatewaySettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: GatewaySettings | None = None) -> bool:
        return False
