"""Request bodies of the API's actions: chat, broadcast, push publish, YAML import."""

from __future__ import annotations

from rest_framework import serializers


class ChatRequestSerializer(serializers.Serializer):
    """One user message to an agent, optionally continuing a session."""

    message = serializers.CharField(max_length=100_000, trim_whitespace=False, help_text="What the user says.")
    session_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Session to continue (from an earlier reply). Empty: a new session.",
    )
    stream = serializers.BooleanField(
        required=False, default=False, help_text="Stream the reply as server-sent events (same as ?stream=1)."
    )


class ChatReplySerializer(serializers.Serializer):
    """The agent's reply and the session it belongs to."""

    session_id = serializers.CharField()
    reply = serializers.CharField()
    agent = serializers.CharField()
    model = serializers.CharField()


class BroadcastRequestSerializer(serializers.Serializer):
    """A broadcast to every connected WebSocket client."""

    data = serializers.DictField(help_text="Payload delivered in the broadcast event's `data`.")


class PublishRequestSerializer(serializers.Serializer):
    """A message published on a push channel."""

    data = serializers.JSONField(help_text="Payload delivered to the channel's subscribers.")


class PushChannelCreateSerializer(serializers.Serializer):
    """A push channel to create."""

    channel = serializers.RegexField(r"^[A-Za-z0-9_.:-]{1,100}$", help_text="Channel name.")
    metadata = serializers.DictField(required=False, default=dict)


class YamlImportSerializer(serializers.Serializer):
    """A gateway.yaml document to apply (or only diff, with dry_run)."""

    yaml = serializers.CharField(trim_whitespace=False, max_length=2_000_000, help_text="The gateway.yaml text.")
    dry_run = serializers.BooleanField(default=False, help_text="Only report what would change.")
    prune = serializers.BooleanField(default=False, help_text="Also delete objects absent from the document.")


class AccessTokenSerializer(serializers.Serializer):
    """A token (REST, WebSocket and push polling); `token` (the clear value) appears only in the creation answer.

    Created over the API it belongs to the caller (the gateway's own auth_token creates service tokens, with no user).
    """

    name = serializers.SlugField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=["read", "write", "admin"]),
        allow_empty=False,
        help_text="read/write/admin",
    )
    enabled = serializers.BooleanField(default=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Refused after this time.")
    user = serializers.CharField(source="user.username", read_only=True, allow_null=True, default=None)
    revoked_reason = serializers.CharField(read_only=True)
    prefix = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)
    token = serializers.CharField(read_only=True, required=False, help_text="Only in the answer to the creation.")
