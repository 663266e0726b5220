"""Platform webhook URLs (`/webhook/<platform>`), mounted under /webhook/ beside the instance URLs in urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from channels_app.webhooks.by_platform import platform_webhook

urlpatterns: list[URLPattern] = [
    path("<slug:platform>", platform_webhook, name="platform-webhook"),
    path("<slug:platform>/", platform_webhook, name="platform-webhook-slash"),
]
