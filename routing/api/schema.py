"""OpenAPI description of the token authentication (loaded by the app config so drf-spectacular finds it)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Bearer <token>`; Swagger UI's Authorize button then sends it on every call."""

    target_class = "routing.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A per-user API token created in the admin (API tokens). Read-only tokens may only GET.",
        }
