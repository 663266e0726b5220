"""Operator page URLs, mounted under /ops/."""

from __future__ import annotations

from django.urls import path

from routing.ui import sessions, traces, views

app_name = "ops"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("chat/", views.chat, name="chat"),
    path("traces/", traces.trace_list, name="traces"),
    path("traces/<str:trace_id>/", traces.trace_detail, name="trace"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session"),
]
