"""Operator page URLs, mounted under /ops/."""

from __future__ import annotations

from django.urls import path

from routing.ui import sessions, takeover, traces, views

app_name = "ops"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("chat/", views.chat, name="chat"),
    path("traces/", traces.trace_list, name="traces"),
    path("traces/<str:trace_id>/", traces.trace_detail, name="trace"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session"),
    path("sessions/<int:pk>/messages/", takeover.messages, name="session-messages"),
    path("sessions/<int:pk>/takeover/", takeover.start, name="takeover-start"),
    path("sessions/<int:pk>/reply/", takeover.reply, name="takeover-reply"),
    path("sessions/<int:pk>/handback/", takeover.hand_back, name="takeover-handback"),
]
