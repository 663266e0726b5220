"""Every gateway URL except the admin, for a host project to include under a prefix (see gatewaysite.embedding).

Taken from gatewaysite.urls so the two never drift apart: our apps register with whichever admin site the host mounts.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from gatewaysite.urls import urlpatterns as _ours

urlpatterns: list[URLPattern | URLResolver] = [
    pattern for pattern in _ours if str(getattr(pattern, "pattern", "")) != "admin/"
]
