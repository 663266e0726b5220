"""Serializers for what the gateway records: sessions and their messages, and the inbound/outbound message log."""

from __future__ import annotations

from rest_framework import serializers

from agents_app.models import AgentRun, GuardrailVerdict
from channels_app.models import InboundEvent, OutboundMessage
from routing.models import Session, SessionMessage


class SessionSerializer(serializers.ModelSerializer):
    """A conversation session; instance and agent by name."""

    # Nullable: a WebSocket, API or CLI session has no channel instance; a session nobody answered yet, no agent.
    instance = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    agent = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    message_count = serializers.IntegerField(read_only=True, help_text="Messages in the session's history.")

    class Meta:
        model = Session
        fields = [
            "id",
            "key",
            "kind",
            "instance",
            "chat_id",
            "thread_id",
            "agent",
            "metadata",
            "message_count",
            "created_at",
            "last_activity_at",
            "closed_at",
        ]
        read_only_fields = fields


class SessionMessageSerializer(serializers.ModelSerializer):
    """One turn of a session."""

    class Meta:
        model = SessionMessage
        fields = ["seq", "role", "content", "metadata", "created_at"]
        read_only_fields = fields


class InboundEventSerializer(serializers.ModelSerializer):
    """An inbound platform delivery and its processing state."""

    instance = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = InboundEvent
        fields = [
            "id",
            "instance",
            "dedupe_key",
            "event_type",
            "payload",
            "status",
            "attempts",
            "error",
            "received_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class OutboundMessageSerializer(serializers.ModelSerializer):
    """A message the gateway sent or tried to send."""

    instance = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = OutboundMessage
        fields = [
            "id",
            "instance",
            "inbound",
            "idempotency_key",
            "chat_id",
            "thread_id",
            "text",
            "status",
            "attempts",
            "error",
            "platform_message_id",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields


class GuardrailVerdictSerializer(serializers.ModelSerializer):
    """A judge's verdict on one guardrail for one answer attempt."""

    class Meta:
        model = GuardrailVerdict
        fields = ["id", "run", "agent_name", "guardrail_name", "verdict", "reason", "attempt", "created_at"]
        read_only_fields = fields


class AgentRunSerializer(serializers.ModelSerializer):
    """One agent run: model, usage, tools, outcome (the runtime's audit record); `parent` is the run that delegated
    it, `children` the runs it delegated to (ids)."""

    children = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = AgentRun
        fields = [
            "id",
            "agent_name",
            "model",
            "provider",
            "status",
            "error",
            "prompt_tokens",
            "completion_tokens",
            "model_calls",
            "tool_calls",
            "duration_ms",
            "context",
            "parent",
            "children",
            "created_at",
        ]
        read_only_fields = fields
