"""API tokens in the admin: created here, shown in clear exactly once (only a hash is stored), revocable."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from routing.api.models import ApiToken, generate_token


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Create a token by picking a user, a name and a scope; the clear token appears in the success message."""

    list_display = ["name", "user", "scope", "key_prefix", "created_at", "last_used_at", "expires_at", "revoked"]
    list_filter = ["scope", "revoked"]
    search_fields = ["name", "user__username", "key_prefix"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at"]
    fields = ["user", "name", "scope", "expires_at", "revoked", "key_prefix", "created_at", "last_used_at"]
    actions = ["revoke"]

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        raw = None
        if not change:
            raw = generate_token()
            obj.set_key(raw)
        super().save_model(request, obj, form, change)
        if raw:
            messages.warning(
                request, f"API token for {obj.user}: {raw} — copy it now, it is not stored and will not be shown again."
            )

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        count = queryset.update(revoked=True)
        self.message_user(request, f"{count} token(s) revoked.")
