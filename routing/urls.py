"""Operational URLs: liveness and readiness probes."""

from __future__ import annotations

from django.urls import path

from routing import views

urlpatterns = [
    path("health", views.health, name="health"),
]
