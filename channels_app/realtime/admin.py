"""Admin for the WebSocket plane's live state. Tokens have one admin page for REST and WebSocket: routing/api/admin.py."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from channels_app.realtime.models import ConnectionLease, Presence, PushChannel, WsSession


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
