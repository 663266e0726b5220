"""Form pieces that keep secrets out of rendered pages: a stored secret is shown masked and never echoed back.

Shared by the admin of both apps (agent api_key, gateway auth_token, channel credentials).
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms

from gatewaysite.secrets import MASK, mask


class MaskedSecretInput(forms.TextInput):
    """Renders a literal secret as the mask (a ${VAR} reference is shown: it is not secret)."""

    def format_value(self, value: object) -> str | None:
        return mask(str(value)) if value else None


def keep_masked(submitted: str, stored: str) -> str:
    """A submitted mask means "unchanged": keep what is stored."""
    return stored if submitted.strip() == MASK else submitted.strip()


class CredentialsTextarea(forms.Textarea):
    """Credentials as `key: value` lines, secret values masked."""

    def __init__(self, secret_keys: Iterable[str], *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.secret_keys = set(secret_keys)

    def format_value(self, value: object) -> str:
        if isinstance(value, str):
            return value
        if not isinstance(value, dict):
            return ""
        lines = []
        for key, item in value.items():
            shown = mask(str(item)) if key in self.secret_keys else str(item)
            lines.append(f"{key}: {shown}")
        return "\n".join(lines)


class CredentialsField(forms.Field):
    """Parses `key: value` lines into a dict; masked values are resolved against the stored credentials later."""

    def __init__(self, secret_keys: Iterable[str], *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", CredentialsTextarea(secret_keys, attrs={"rows": 6, "cols": 80}))
        super().__init__(*args, **kwargs)

    def prepare_value(self, value: object) -> object:
        return value

    def to_python(self, value: object) -> dict[str, str]:
        if isinstance(value, dict):
            return value
        result: dict[str, str] = {}
        for number, line in enumerate(str(value or "").splitlines(), start=1):
            if not line.strip() or line.strip().startswith("#"):
                continue
            key, separator, item = line.partition(":")
            if not separator or not key.strip():
                raise forms.ValidationError(f"line {number}: write one credential per line as 'key: value'")
            result[key.strip()] = item.strip()
        return result

    def has_changed(self, initial: object, data: object) -> bool:
        return True
