"""Admin for the WebSocket plane: scoped access tokens (the clear value is shown once), and live state views."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from channels_app.realtime.models import AccessToken, ConnectionLease, Presence, PushChannel, WsSession


class AccessTokenForm(forms.ModelForm):
    """Scopes as checkboxes; the token value itself is generated, never typed."""

    scopes = forms.MultipleChoiceField(
        choices=AccessToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="read: receive, subscribe, query; write: send messages and publish; admin: broadcast, events, "
        "remote agents (implies write and read).",
    )

    class Meta:
        model = AccessToken
        fields = ["name", "scopes", "enabled"]


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):
    form = AccessTokenForm
    list_display = ["name", "prefix", "scope_list", "enabled", "created_at", "last_used_at"]
    list_filter = ["enabled"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]

    @admin.display(description="scopes")
    def scope_list(self, obj: AccessToken) -> str:
        return ", ".join(obj.scopes)

    def save_model(self, request: HttpRequest, obj: AccessToken, form: Any, change: bool) -> None:
        if not change:
            value = AccessToken.new_value()
            obj.token_hash = AccessToken.hash(value)
            obj.prefix = value[:10]
            super().save_model(request, obj, form, change)
            messages.warning(request, f"Token for '{obj.name}': {value} — copy it now, it is not shown again.")
            return
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Live state is written by the servers, never by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WsSession)
class WsSessionAdmin(ReadOnlyAdmin):
    list_display = ["session_id", "agent_id", "client_id", "connected", "cursor", "last_activity_at", "closed_at"]
    list_filter = ["connected", "agent_id"]
    search_fields = ["session_id", "client_id"]


@admin.register(PushChannel)
class PushChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "last_seq", "created_by", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["last_seq", "created_by", "created_at"]


@admin.register(Presence)
class PresenceAdmin(ReadOnlyAdmin):
    list_display = ["client_id", "online", "status", "last_seen_at"]
    list_filter = ["online"]


@admin.register(ConnectionLease)
class ConnectionLeaseAdmin(ReadOnlyAdmin):
    list_display = ["connection_id", "client_id", "server", "opened_at"]
