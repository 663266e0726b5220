"""Operational URLs: liveness and readiness probes, Prometheus metrics, and PraisonAI's /info."""

from __future__ import annotations

from django.urls import path

from routing import views
from routing.api.views.control import InfoView
from routing.ui.landing import landing

urlpatterns = [
    path("", landing, name="landing"),
    path("health", views.health, name="health"),
    path("ready", views.ready, name="ready"),
    path("live", views.live, name="live"),
    path("info", InfoView.as_view(), name="info"),
    path("metrics", views.metrics, name="metrics"),
]
