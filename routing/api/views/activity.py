"""Read (and delete) what the gateway recorded: sessions with their messages, and the message log."""

from __future__ import annotations

from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from agents_app.models import AgentRun, GuardrailVerdict
from channels_app.models import InboundEvent, OutboundMessage
from routing.api.filters import (
    AgentRunFilter,
    GuardrailVerdictFilter,
    InboundEventFilter,
    OutboundMessageFilter,
    SessionFilter,
)
from routing.api.serializers import activity as s
from routing.models import Session


class SessionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Conversation sessions: list, read, delete (which forgets the history)."""

    queryset = (
        Session.objects.select_related("instance", "agent")
        .annotate(message_count=Count("messages"))
        .order_by("-last_activity_at", "-id")  # GROUP BY queries ignore Meta.ordering
    )
    serializer_class = s.SessionSerializer
    filterset_class = SessionFilter
    ordering_fields = ["created_at", "last_activity_at", "id"]
    search_fields = ["key", "chat_id"]

    @extend_schema(responses=s.SessionMessageSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=s.SessionMessageSerializer, filter_backends=[])
    def messages(self, request: Request, pk: str | None = None) -> Response:
        """The session's history, oldest first."""
        session = self.get_object()
        page = self.paginate_queryset(session.messages.order_by("seq"))
        return self.get_paginated_response(s.SessionMessageSerializer(page, many=True).data)


class InboundEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Inbound platform deliveries; filter by instance, status, event type and time window."""

    queryset = InboundEvent.objects.select_related("instance")
    serializer_class = s.InboundEventSerializer
    filterset_class = InboundEventFilter
    ordering_fields = ["received_at", "id", "status"]


class OutboundMessageViewSet(viewsets.ReadOnlyModelViewSet):
    """Outbound messages and their delivery state; filter by instance, status, chat and time window."""

    queryset = OutboundMessage.objects.select_related("instance")
    serializer_class = s.OutboundMessageSerializer
    filterset_class = OutboundMessageFilter
    ordering_fields = ["created_at", "sent_at", "id", "status"]


class AgentRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Every agent run with its usage and outcome; filter by agent, status, provider, model and time window."""

    queryset = AgentRun.objects.all()
    serializer_class = s.AgentRunSerializer
    filterset_class = AgentRunFilter
    ordering_fields = ["created_at", "id", "duration_ms", "prompt_tokens", "completion_tokens"]


class GuardrailVerdictViewSet(viewsets.ReadOnlyModelViewSet):
    """The guardrail audit trail: each judge verdict with its reason; filter by guardrail, agent, verdict, run."""

    queryset = GuardrailVerdict.objects.all()
    serializer_class = s.GuardrailVerdictSerializer
    filterset_class = GuardrailVerdictFilter
    ordering_fields = ["created_at", "id"]
