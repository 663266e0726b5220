"""API URLs: /api/v1/… resources and operations, /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI, served offline)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, include, path, re_path, resolve
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from routing.api.views import activity, config, operations
from routing.api.views.chat import ChatView
from routing.api.views.control import ChannelControlView
from routing.api.views.root import ApiRootView
from routing.api.views.takeover import TakeoverReplyView, TakeoverView
from routing.api.views.tokens import AccessTokenDetailView, AccessTokenListView
from routing.api.views.traces import TraceDetailView, TraceListView


def not_found(request: HttpRequest) -> HttpResponse:
    """The API's answer for a path it does not have; a missing trailing slash is redirected (GET) or named."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "api-not-found":
            if request.method in ("GET", "HEAD"):
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))
            return JsonResponse(
                {"detail": f"no API endpoint at {request.path}; did you mean {request.path}/ ?"}, status=404
            )
    return JsonResponse({"detail": f"no API endpoint at {request.path}; see /api/docs/"}, status=404)


router = DefaultRouter()
router.include_root_view = False  # /api/v1/ is ApiRootView, which lists every endpoint, not only these
router.register("agents", config.AgentViewSet)
router.register("guardrails", config.GuardrailViewSet)
router.register("channels", config.ChannelInstanceViewSet)
router.register("routing-rules", config.RoutingRuleViewSet)
router.register("schedules", config.ScheduleViewSet)
router.register("sessions", activity.SessionViewSet)
router.register("inbound-events", activity.InboundEventViewSet)
router.register("outbound-messages", activity.OutboundMessageViewSet)
router.register("agent-runs", activity.AgentRunViewSet)
router.register("guardrail-verdicts", activity.GuardrailVerdictViewSet)

singleton_actions = {"get": "retrieve", "put": "update", "patch": "partial_update"}

v1 = [
    path("agents/<slug:name>/chat", ChatView.as_view(), name="agent-chat"),
    path("provider", config.ProviderSettingsViewSet.as_view(singleton_actions), name="provider-settings"),
    path("gateway-settings", config.GatewaySettingsViewSet.as_view(singleton_actions), name="gateway-settings"),
    path("broadcast", operations.BroadcastView.as_view(), name="broadcast"),
    path("push/channels", operations.PushChannelsView.as_view(), name="push-channels"),
    path("push/channels/<str:channel>/publish", operations.PushPublishView.as_view(), name="push-publish"),
    path("push/channels/<str:channel>/presence", operations.PresenceView.as_view(), name="push-presence"),
    path("config/export", operations.ConfigExportView.as_view(), name="config-export"),
    path("config/import", operations.ConfigImportView.as_view(), name="config-import"),
    path("status", operations.StatusView.as_view(), name="status"),
    path("access-tokens", AccessTokenListView.as_view(), name="access-tokens"),
    path("access-tokens/<slug:name>", AccessTokenDetailView.as_view(), name="access-token"),
    path("traces/", TraceListView.as_view(), name="traces"),
    path("traces/<str:trace_id>/", TraceDetailView.as_view(), name="trace"),
    path("sessions/<int:pk>/takeover", TakeoverView.as_view(), name="session-takeover"),
    path("sessions/<int:pk>/reply", TakeoverReplyView.as_view(), name="session-reply"),
    path("", ApiRootView.as_view(), name="api-root"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("v1/", include(v1)),
    # The schema and docs describe the API, they reveal no data: readable without a token, like /health.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema", permission_classes=[AllowAny]), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema", permission_classes=[AllowAny]), name="api-redoc"),
    # PraisonAI's operator CLI (`praisonai gateway pause|resume|reconnect`) posts here, outside /api/v1/.
    path("channels/<slug:name>/<str:action>", ChannelControlView.as_view(), name="channel-control"),
    # Anything else under /api/ is a JSON 404, not Django's HTML page: API clients always get JSON.
    re_path(r"^.*$", not_found, name="api-not-found"),
]
