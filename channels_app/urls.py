"""Webhook URLs, mounted under /webhooks/."""

from __future__ import annotations

from django.urls import URLPattern, path

from channels_app.webhooks.views import webhook

urlpatterns: list[URLPattern] = [
    path("<slug:name>/", webhook, name="webhook"),
]
