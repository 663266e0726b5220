"""The host's ASGI app, with the gateway's WebSocket endpoint composed in under /gateway."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.embedding.hostproject.settings")
host_app = get_asgi_application()

from gatewaysite import embedding  # noqa: E402

application = embedding.mount(host_app, prefix="/gateway")
