"""Operator page URLs, mounted under /ops/."""

from __future__ import annotations

from django.urls import path

from routing.ui import views

app_name = "ops"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("chat/", views.chat, name="chat"),
]
