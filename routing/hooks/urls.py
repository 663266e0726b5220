"""`/hooks/<path>`: PraisonAI's inbound trigger URL."""

from __future__ import annotations

from django.urls import path

from routing.hooks.views import hook_view

urlpatterns = [path("<path:hook_path>", hook_view, name="hook")]
