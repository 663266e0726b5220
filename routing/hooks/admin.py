"""Hooks in the admin: their URL, agent and target, secrets masked, and each run with its outcome."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from gatewaysite.secret_fields import MaskedSecretInput, keep_masked
from routing.hooks.models import Hook, HookRun


class HookForm(forms.ModelForm):
    """auth and secret are shown masked; submitting the mask keeps the stored value."""

    class Meta:
        model = Hook
        fields = "__all__"
        widgets = {"auth": MaskedSecretInput(), "secret": MaskedSecretInput()}

    def clean(self) -> dict:
        cleaned = super().clean()
        for key in ("auth", "secret"):
            if self.instance.pk and key in cleaned:
                cleaned[key] = keep_masked(cleaned[key] or "", getattr(self.instance, key))
        return cleaned


class HookRunInline(admin.TabularInline):
    model = HookRun
    extra = 0
    can_delete = False
    fields = ("created_at", "status", "delivered_to", "error", "reply")
    readonly_fields = fields
    max_num = 0


@admin.register(Hook)
class HookAdmin(admin.ModelAdmin):
    form = HookForm
    list_display = ("__str__", "agent", "deliver_to", "enabled")
    list_filter = ("enabled",)
    search_fields = ("path", "deliver_to")
    inlines = [HookRunInline]
