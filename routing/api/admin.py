"""Tokens in the admin — the one page for every token (people's REST/WebSocket tokens and service tokens).

Created here and shown in clear exactly once (only a hash is stored); revocable; a person's token is tied to its user,
limited by the user's role, and revoked when the user is deactivated, demoted or changes password.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone

from channels_app.realtime.models import AccessToken
from routing.api.models import ApiToken, generate_token, hash_token


class TokenForm(forms.ModelForm):
    """Scopes as checkboxes; the token value itself is generated, never typed."""

    scopes = forms.MultipleChoiceField(
        choices=AccessToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="read: GET and receive/subscribe; write: operator actions, send messages, publish; admin: "
        "configuration, broadcast, events, remote agents (implies write and read).",
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scopes", "expires_at", "enabled"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Create a token by picking a user (empty: a service token), a name and scopes; the clear token appears once."""

    form = TokenForm
    list_display = ["name", "user", "scope_list", "prefix", "enabled", "expires_at", "last_used_at", "revoked_reason"]
    list_filter = ["enabled"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at", "revoked_reason"]
    actions = ["revoke"]

    @admin.display(description="scopes")
    def scope_list(self, obj: AccessToken) -> str:
        return ", ".join(obj.scopes or [])

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        raw = None
        if not change:
            raw = generate_token()
            obj.token_hash = hash_token(raw)
            obj.prefix = raw[:10]
        super().save_model(request, obj, form, change)
        if raw:
            owner = obj.user or "a service"
            messages.warning(
                request, f"Token '{obj.name}' for {owner}: {raw} — copy it now, it is not stored and not shown again."
            )

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        count = queryset.filter(enabled=True).update(
            enabled=False, revoked_at=timezone.now(), revoked_reason=f"revoked by {request.user}"
        )
        self.message_user(request, f"{count} token(s) revoked.")
