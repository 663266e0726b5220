"""Fields shared by the serializers: secrets that are written in clear but only ever read back masked."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gatewaysite.secrets import MASK, mask


@extend_schema_field(OpenApiTypes.STR)
class SecretField(serializers.CharField):
    """A secret string: written in clear, read back masked (a ${VAR} reference is shown as is: it is not secret).

    Writing the mask back (a client that PUTs what it GOT) keeps the stored value instead of storing the mask.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return mask(value)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data == MASK and self.parent is not None and self.parent.instance is not None:
            raise serializers.SkipField()
        return super().validate_empty_values(data)


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
class SecretDictField(serializers.DictField):
    """A dict of secrets (channel credentials): values masked on read, a masked value on write keeps the old one."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", serializers.CharField(allow_blank=True, trim_whitespace=False))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> dict[str, str]:
        return {key: mask(str(item)) if item else "" for key, item in (value or {}).items()}


def merge_masked(new: dict[str, str], old: dict[str, str]) -> dict[str, str]:
    """Credentials as written by the client, where a masked value stands for "keep what is stored"."""
    merged = {}
    for key, value in new.items():
        if value == MASK:
            if key in old:
                merged[key] = old[key]
            continue
        merged[key] = value
    return merged


@extend_schema_field(OpenApiTypes.STR)
class NameField(serializers.Field):
    """A reference to another object by its name. Resolution and the "unknown agent 'x'" message come from the shared
    validation layer (in the serializer's `validate`), so they read exactly like the admin's and the importer's."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:
        return getattr(value, "name", value)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError(f"must be a name, got {type(data).__name__}")
        return data
