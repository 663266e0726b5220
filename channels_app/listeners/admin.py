"""Listener health in the admin, read-only: the supervisor writes it, operators read it."""

from __future__ import annotations

from django.contrib import admin

from channels_app.listeners.models import ListenerLease, ListenerState


@admin.register(ListenerState)
class ListenerStateAdmin(admin.ModelAdmin):
    list_display = ("instance", "kind", "status", "holder", "last_seen_at", "events_received", "restarts", "last_error")
    list_filter = ("status", "kind")
    search_fields = ("instance__name", "last_error")
    readonly_fields = [field.name for field in ListenerState._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ListenerLease)
class ListenerLeaseAdmin(admin.ModelAdmin):
    list_display = ("key", "holder", "instance_name", "expires_at")
    readonly_fields = ("key", "holder", "instance_name", "expires_at")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
