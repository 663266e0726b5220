"""Operational URLs: liveness and readiness probes, and Prometheus metrics."""

from __future__ import annotations

from django.urls import path

from routing import views

urlpatterns = [
    path("health", views.health, name="health"),
    path("ready", views.ready, name="ready"),
    path("metrics", views.metrics, name="metrics"),
]
