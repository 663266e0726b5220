"""Admin actions on channel instances: pause, resume, reconnect (the same service as POST /api/channels/<name>/…)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from channels_app.control import instance_control
from channels_app.listeners.modes import receive_mode
from channels_app.models import ChannelInstance


def _apply(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, action: str) -> None:
    for instance in queryset:
        result = instance_control(instance.name, action)
        if result is not None:
            modeladmin.message_user(request, result.message, messages.SUCCESS if result.success else messages.ERROR)


@admin.action(description="Pause: keep storing messages, answer none", permissions=["change"])
def pause_instances(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    _apply(modeladmin, request, queryset, "pause")


@admin.action(description="Resume answering", permissions=["change"])
def resume_instances(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    _apply(modeladmin, request, queryset, "resume")


@admin.action(description="Reconnect: restart the listener", permissions=["change"])
def reconnect_instances(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    _apply(modeladmin, request, queryset, "reconnect")


CONTROL_ACTIONS = [pause_instances, resume_instances, reconnect_instances]


def receives(obj: ChannelInstance) -> str:
    """How the instance receives messages and why (Telegram: long polling or webhook), as /health says it."""
    if not obj.pk:
        return "decided once the instance is saved"
    mode = receive_mode(obj)
    return f"{mode.mode}: {mode.reason}"
