"""The Schedule admin's "run now" action (registered with one line in routing/admin.py)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from routing.models import Schedule
from routing.schedules.run_now import schedule_run_now_enqueue


@admin.action(description="Run now (send the message once, outside the schedule)", permissions=["run_now"])
def run_schedules_now(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Schedule]) -> None:
    started = []
    for schedule in queryset.select_related("agent", "instance"):
        schedule_run_now_enqueue(schedule)
        started.append(schedule.name)
    modeladmin.message_user(
        request,
        f"Started {len(started)} run(s): {', '.join(started)}. Their outcome appears in each schedule's runs.",
        messages.SUCCESS,
    )
