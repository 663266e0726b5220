"""Filter sets for the list endpoints: by instance name, status and time window, as operators search logs."""

from __future__ import annotations

from datetime import UTC, datetime

import django_filters
from django.db.models import QuerySet

from agents_app.models import AgentRun, GuardrailVerdict
from channels_app.models import InboundEvent, OutboundMessage
from routing.models import Session


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 bound, converted to UTC before the query: any valid offset works (PostgreSQL refuses over ±15:59)."""

    def filter(self, qs: QuerySet, value: datetime | None) -> QuerySet:
        if value is not None and value.tzinfo is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:  # year 1 or 9999 shifted past the calendar: the bound is "the beginning/end of time"
                value = (datetime.min if value.year < 5000 else datetime.max).replace(tzinfo=UTC)
        return super().filter(qs, value)


class InboundEventFilter(django_filters.FilterSet):
    """`?instance=<name>&status=failed&received_after=<ISO>&received_before=<ISO>`."""

    instance = django_filters.CharFilter(field_name="instance__name")
    received_after = UtcDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = UtcDateTimeFilter(field_name="received_at", lookup_expr="lt")

    class Meta:
        model = InboundEvent
        fields = ["instance", "status", "event_type"]


class OutboundMessageFilter(django_filters.FilterSet):
    """`?instance=<name>&status=sent&created_after=<ISO>&created_before=<ISO>&chat_id=…`."""

    instance = django_filters.CharFilter(field_name="instance__name")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = OutboundMessage
        fields = ["instance", "status", "chat_id"]


class SessionFilter(django_filters.FilterSet):
    """`?kind=api&instance=<name>&agent=<name>&active=true`."""

    instance = django_filters.CharFilter(field_name="instance__name")
    agent = django_filters.CharFilter(field_name="agent__name")
    active = django_filters.BooleanFilter(field_name="closed_at", lookup_expr="isnull")
    active_after = UtcDateTimeFilter(field_name="last_activity_at", lookup_expr="gte")

    class Meta:
        model = Session
        fields = ["kind", "instance", "agent", "chat_id"]


class AgentRunFilter(django_filters.FilterSet):
    """`?agent=<name>&status=error&provider=openai&parent=<run id>&created_after=<ISO>&created_before=<ISO>`."""

    agent = django_filters.CharFilter(field_name="agent_name")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AgentRun
        fields = ["agent", "status", "provider", "model", "parent"]


class GuardrailVerdictFilter(django_filters.FilterSet):
    """`?guardrail=<name>&agent=<name>&verdict=fail&run=<id>`."""

    guardrail = django_filters.CharFilter(field_name="guardrail_name")
    agent = django_filters.CharFilter(field_name="agent_name")

    class Meta:
        model = GuardrailVerdict
        fields = ["guardrail", "agent", "verdict", "run"]
