"""The Schedule admin page's extras: next run, last runs, and a "Run now" button (operators and admins)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from routing.models import Schedule
from routing.schedules.due import next_due
from routing.schedules.expressions import ScheduleExpressionError, parse_expression, zone
from routing.schedules.run_now import schedule_run_now_enqueue


def next_run_text(schedule: Schedule) -> str:
    """When it fires next, in its own time zone, or why it will not."""
    if not schedule.pk:
        return "-"
    if not schedule.enabled:
        return "disabled"
    try:
        upcoming = next_due(parse_expression(schedule.schedule, schedule.timezone), schedule.timezone, timezone.now())
    except ScheduleExpressionError as exc:
        return f"never: {exc}"
    if upcoming is None:
        return "never (a one-shot time in the past)"
    local = timezone.localtime(upcoming, timezone=zone(schedule.timezone))
    return local.strftime(f"%Y-%m-%d %H:%M:%S {schedule.timezone}")


def last_run_text(schedule: Schedule) -> str:
    """The latest run's outcome, or "never"."""
    if not schedule.pk:
        return "-"
    last = schedule.runs.order_by("-started_at").first()
    if last is None:
        return "never"
    text = f"{last.status} at {last.started_at:%Y-%m-%d %H:%M:%S}"
    return f"{text}: {last.error}" if last.error else text


def run_now_view(modeladmin: admin.ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    """POST: fire the schedule once now; its outcome appears in the runs below."""
    schedule = get_object_or_404(Schedule, pk=object_id)
    change_url = reverse("admin:routing_schedule_change", args=[schedule.pk])
    if request.method != "POST":
        return HttpResponseRedirect(change_url)
    if not request.user.has_perm("routing.run_schedule_now"):
        return HttpResponseForbidden("Running a schedule needs the operator or admin role.")
    schedule_run_now_enqueue(schedule)
    modeladmin.message_user(
        request, f"Started a run of {schedule.name}; its outcome appears in the runs below.", messages.SUCCESS
    )
    return HttpResponseRedirect(change_url)
