"""CRUD for what the admin configures: agents, guardrails, channel instances, routing rules, schedules, singletons."""

from __future__ import annotations

from django.db.models import ProtectedError, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from agents_app.models import Agent, Guardrail, ProviderSettings
from channels_app.models import ChannelInstance, GatewaySettings
from routing.api import services
from routing.api.permissions import OperatorOrAdmin
from routing.api.serializers import config as s
from routing.models import RoutingRule, Schedule, ScheduleRun

NAME_REGEX = r"[-a-zA-Z0-9_]+"


class ProtectedDeleteMixin:
    """A delete blocked by references (an agent still routed to) answers 400 naming what holds it, not 500."""

    def perform_destroy(self, instance: object) -> None:
        try:
            instance.delete()
        except ProtectedError as exc:
            holders = sorted({str(obj) for obj in exc.protected_objects})[:10]
            raise ValidationError({"non_field_errors": [f"still in use by: {', '.join(holders)}"]}) from exc


class AgentViewSet(ProtectedDeleteMixin, viewsets.ModelViewSet):
    """Agents, by name. `POST /agents/<name>/chat` talks to one (see ChatView)."""

    queryset = Agent.objects.all()
    serializer_class = s.AgentSerializer
    lookup_field = "name"
    lookup_value_regex = NAME_REGEX
    filterset_fields = ["enabled", "model", "memory"]
    ordering_fields = ["name", "created_at", "updated_at"]
    search_fields = ["name", "instructions"]


class GuardrailViewSet(viewsets.ModelViewSet):
    """Guardrails, by name; `?agent=<name>` filters by agent."""

    queryset = Guardrail.objects.select_related("agent")
    serializer_class = s.GuardrailSerializer
    lookup_field = "name"
    lookup_value_regex = NAME_REGEX
    filterset_fields = {"enabled": ["exact"], "agent__name": ["exact"]}
    ordering_fields = ["name"]
    search_fields = ["name", "description"]


class ChannelInstanceViewSet(ProtectedDeleteMixin, viewsets.ModelViewSet):
    """Channel instances, by name; credentials are write-only and read back masked."""

    queryset = ChannelInstance.objects.prefetch_related("routing_rules__agent")
    serializer_class = s.ChannelInstanceSerializer
    lookup_field = "name"
    lookup_value_regex = NAME_REGEX
    filterset_fields = ["platform", "enabled"]
    ordering_fields = ["name", "platform", "created_at", "last_error_at"]
    search_fields = ["name"]


class RoutingRuleViewSet(viewsets.ModelViewSet):
    """Routing rules; `?instance=<name>&context=dm&agent=<name>`."""

    queryset = RoutingRule.objects.select_related("instance", "agent")
    serializer_class = s.RoutingRuleSerializer
    filterset_fields = {"instance__name": ["exact"], "context": ["exact"], "agent__name": ["exact"]}
    ordering_fields = ["id", "context"]


class ScheduleViewSet(ProtectedDeleteMixin, viewsets.ModelViewSet):
    """Schedules, by name, with their run history and a run-now action."""

    queryset = Schedule.objects.select_related("agent", "instance")
    serializer_class = s.ScheduleSerializer
    lookup_field = "name"
    lookup_value_regex = NAME_REGEX
    filterset_fields = {"enabled": ["exact"], "agent__name": ["exact"], "instance__name": ["exact"]}
    ordering_fields = ["name", "created_at"]
    search_fields = ["name", "message"]

    @extend_schema(
        responses=s.ScheduleRunSerializer(many=True),
        parameters=[OpenApiParameter("status", str, enum=ScheduleRun.Status.values, description="Only this outcome.")],
    )
    @action(detail=True, methods=["get"], serializer_class=s.ScheduleRunSerializer, filter_backends=[])
    def runs(self, request: Request, name: str | None = None) -> Response:
        """The schedule's run history, newest first."""
        schedule = self.get_object()
        queryset: QuerySet = schedule.runs.all()
        if request.query_params.get("status"):
            queryset = queryset.filter(status=request.query_params["status"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.ScheduleRunSerializer(page, many=True).data)

    @extend_schema(request=None, responses={201: s.ScheduleRunSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="run",
        serializer_class=s.ScheduleRunSerializer,
        permission_classes=[OperatorOrAdmin],
    )
    def run_now(self, request: Request, name: str | None = None) -> Response:
        """Fire the schedule now, outside its timetable; the run appears in its history."""
        run = services.schedule_run_now(self.get_object())
        return Response(s.ScheduleRunSerializer(run).data, status=status.HTTP_201_CREATED)


class SingletonViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """GET/PUT/PATCH on a one-row settings model (no id in the URL)."""

    model: type = ProviderSettings
    pagination_class = None
    filter_backends: list = []

    def get_object(self) -> object:
        obj = self.model.load()
        self.check_object_permissions(self.request, obj)
        return obj


class ProviderSettingsViewSet(SingletonViewSet):
    """The provider fallback model."""

    model = ProviderSettings
    queryset = ProviderSettings.objects.all()
    serializer_class = s.ProviderSettingsSerializer


class GatewaySettingsViewSet(SingletonViewSet):
    """The gateway server settings (auth_token masked)."""

    model = GatewaySettings
    queryset = GatewaySettings.objects.all()
    serializer_class = s.GatewaySettingsSerializer
