"""ASGI entry point: HTTP goes to Django, WebSocket to the Channels consumers.

The Django ASGI application is built before any consumer is imported, so that models are ready when they load.
"""

from __future__ import annotations

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gatewaysite.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from channels_app.realtime.auth import GatewayAuthMiddleware  # noqa: E402
from channels_app.webhooks.asgi import WebhookFastPath  # noqa: E402
from channels_app.ws_urls import websocket_urlpatterns  # noqa: E402
from routing.serving import daphne_requests  # noqa: E402

daphne_requests.install()  # no form parsing nor Twisted access log per request (routing/serving/daphne_requests.py)

application = ProtocolTypeRouter(
    {
        # /webhooks/<instance>/ skips the middleware chain (see channels_app/webhooks/asgi.py).
        "http": WebhookFastPath(django_asgi_app),
        # Token and Origin are resolved before the consumer runs; a failure becomes hello_error + close 4003.
        "websocket": GatewayAuthMiddleware(URLRouter(websocket_urlpatterns)),
    }
)

# Start-up objects (Django, every app, the provider SDKs) live as long as the process: move them out of the
# collector's reach, or each full collection rescans them all and stalls every request for 100-300 ms on a
# 2-core machine (measured with bench/webhook_load.py: ack p99 233 ms → 7 ms).
gc.collect()
gc.freeze()
