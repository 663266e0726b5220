"""The error answers every operation can give, written into the OpenAPI schema (a drf-spectacular postprocessing hook).

drf-spectacular documents only the success answer, so a schema-driven client (or schemathesis' status-code check)
saw 400, 401, 403 and 404 as undocumented although every operation gives them. They all share one body shape
(routing/api/errors.py): `{"detail": str}`, plus `errors: [{field, message, code}]` for validation errors.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error answer (routing/api/errors.py).",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Validation errors only: one per field, `field` a key path.",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}, "code": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}
DESCRIPTIONS = {
    "400": "Invalid input (validation errors name their field), or a filter naming a row that does not exist.",
    "401": "No credentials, or a token that is unknown, expired or revoked.",
    "403": "Authenticated, but the token's scope or the user's role does not allow this.",
    "404": "No such object, or a page number past the end of a list.",
    "405": "This method is not allowed here.",
    "429": "Too many requests.",
}
# Read-only fields present only in some answers (the secret of a new token, shown once at creation).
OPTIONAL_ON_READ = {"AccessToken": ("token",), "ApiToken": ("token",)}


def _codes(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    codes = ["401", "403", "429"]
    has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    if method in ("post", "put", "patch") or has_query or "requestBody" in operation:
        codes.append("400")
    if "{" in path or method == "get" or has_query:
        codes.append("404")
    return codes


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: error answers on every operation, one shared Error schema."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", ERROR_SCHEMA)
    ref = {"$ref": "#/components/schemas/Error"}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code in _codes(path, method, operation):
                responses.setdefault(
                    code, {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}}
                )
    for name, fields in OPTIONAL_ON_READ.items():
        schema = components.get(name)
        if schema and "required" in schema:
            schema["required"] = [field for field in schema["required"] if field not in fields]
    return result
