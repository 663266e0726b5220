"""Admin for the gateway settings and the message log (ChannelInstance's admin lives in routing.admin, beside its
routing rules inline)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from channels_app.models import GatewaySettings, InboundEvent, OutboundMessage
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


class ReadOnlyAdmin(admin.ModelAdmin):
    """The message log is a record: visible, filterable, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class OutboundInline(admin.TabularInline):
    model = OutboundMessage
    fields = ("seq", "status", "attempts", "delivery_status", "platform_message_id", "error", "text", "sent_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def trace_link(event_id: int | None) -> str:
    """A link to the turn's trace page (/ops/traces/event-<id>/)."""
    if not event_id:
        return ""
    return format_html('<a href="/ops/traces/event-{}/">trace</a>', event_id)


@admin.register(InboundEvent)
class InboundEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "instance", "text", "sender_id", "context", "status", "attempts", "error", "trace")
    list_filter = ("status", "instance", "event_type", "context")
    search_fields = ("dedupe_key", "message_key", "chat_id", "sender_id", "conversation_key", "payload")
    date_hierarchy = "received_at"
    list_select_related = ("instance",)
    inlines = [OutboundInline]

    @admin.display(description="text")
    def text(self, obj: InboundEvent) -> str:
        return str(((obj.payload or {}).get("message") or {}).get("text") or "")[:100]

    @admin.display(description="trace")
    def trace(self, obj: InboundEvent) -> str:
        return trace_link(obj.pk)

    def get_readonly_fields(self, request: HttpRequest, obj: InboundEvent | None = None) -> list[str]:
        return ["trace", *super().get_readonly_fields(request, obj)]


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "instance",
        "chat_id",
        "seq",
        "status",
        "attempts",
        "delivery_status",
        "error",
        "trace",
    )
    list_filter = ("status", "instance", "delivery_status")
    search_fields = ("idempotency_key", "chat_id", "platform_message_id")
    date_hierarchy = "created_at"
    list_select_related = ("instance",)

    @admin.display(description="trace")
    def trace(self, obj: OutboundMessage) -> str:
        return trace_link(obj.inbound_id)

    def get_readonly_fields(self, request: HttpRequest, obj: OutboundMessage | None = None) -> list[str]:
        return ["trace", *super().get_readonly_fields(request, obj)]
