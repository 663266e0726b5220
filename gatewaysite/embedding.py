"""Embedding the gateway in an existing Django project (the seed's `gateway.mount(app, prefix=...)`).

Three lines in the host project, nothing else:

    # settings.py
    from gatewaysite import embedding
    embedding.configure(globals())          # our apps into INSTALLED_APPS, our GATEWAY_*/CELERY_* defaults

    # urls.py
    path("gateway/", include("gatewaysite.gateway_urls")),

    # asgi.py
    application = embedding.mount(get_asgi_application(), prefix="/gateway")

`configure` only fills what the host has not set (its own DATABASES, SECRET_KEY, MIDDLEWARE, admin… stay its own).
Every URL we render is reversed, so webhooks, the API and the operator pages live under the prefix. `mount` sends
WebSocket connections under the prefix (`/gateway/ws`) to our consumers and everything else to the host's app.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]

GATEWAY_APPS = [
    "rest_framework",
    "drf_spectacular",
    "django_celery_beat",
    "channels",
    "agents_app",
    "channels_app",
    "channels_app.realtime",
    "routing",
    "channels_app.listeners",
    "routing.api",
    "django_filters",
    "drf_spectacular_sidecar",
    "console_app",
]
COPIED_PREFIXES = ("GATEWAY_", "CELERY_")
COPIED_NAMES = (
    "DATA_DIR",
    "REST_FRAMEWORK",
    "SPECTACULAR_SETTINGS",
    "CHANNEL_LAYERS",
    "DJANGO_CELERY_BEAT_TZ_AWARE",
    "LOG_FORMAT",
)


def configure(host: dict[str, Any]) -> None:
    """Add our apps and our settings' defaults to a host settings namespace (`globals()` of its settings.py)."""
    from gatewaysite import settings as ours

    apps = list(host.get("INSTALLED_APPS", []))
    host["INSTALLED_APPS"] = apps + [app for app in GATEWAY_APPS if app not in apps]
    for name in dir(ours):
        if (name.startswith(COPIED_PREFIXES) or name in COPIED_NAMES) and name not in host:
            host[name] = getattr(ours, name)
    # Operator pages and admin additions are templates in our top-level templates/ directory.
    ours_dirs = [d for engine in ours.TEMPLATES for d in engine.get("DIRS", [])]
    for engine in host.get("TEMPLATES", []):
        if engine.get("BACKEND") == "django.template.backends.django.DjangoTemplates":
            dirs = list(engine.get("DIRS", []))
            engine["DIRS"] = dirs + [d for d in ours_dirs if d not in dirs]
            break


def mount(app: ASGIApp, prefix: str = "/gateway") -> ASGIApp:
    """The host's ASGI app with our WebSocket endpoint under `prefix`; call after get_asgi_application()."""
    from channels.routing import URLRouter

    from channels_app.realtime.auth import GatewayAuthMiddleware
    from channels_app.ws_urls import websocket_urlpatterns

    prefix = "/" + prefix.strip("/")
    sockets = GatewayAuthMiddleware(URLRouter(websocket_urlpatterns))

    async def composed(
        scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]
    ) -> None:
        root = scope.get("root_path", "")
        path = str(scope.get("path", ""))
        if scope["type"] == "websocket" and path.startswith(root + prefix + "/"):
            # The URL router strips root_path from path (ASGI: path includes root_path).
            await sockets(dict(scope, root_path=root + prefix), receive, send)
            return
        await app(scope, receive, send)

    return composed
