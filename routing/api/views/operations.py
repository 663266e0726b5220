"""Operations beyond CRUD: broadcast, push channels and presence, gateway.yaml import/export, status."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from routing.api import services
from routing.api.parsers import TextYamlParser, YamlTextParser
from routing.api.permissions import AdminOnly
from routing.api.renderers import YamlTextRenderer
from routing.api.serializers.operations import (
    BroadcastRequestSerializer,
    PublishRequestSerializer,
    PushChannelCreateSerializer,
    YamlImportSerializer,
)
from routing.api.status import gateway_status


class BroadcastView(APIView):
    """Send a `broadcast` event to every connected WebSocket client."""

    @extend_schema(request=BroadcastRequestSerializer, responses={202: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        body = BroadcastRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.broadcast(body.validated_data["data"], publisher=f"api:{request.user}")
        return Response(result, status=status.HTTP_202_ACCEPTED)


class PushChannelsView(APIView):
    """List push channels (GET) or create one (POST)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response({"channels": services.push_channel_list()})

    # 201 when the channel is new, 200 when it already existed (creation is idempotent).
    @extend_schema(request=PushChannelCreateSerializer, responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        body = PushChannelCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.push_channel_create(
            body.validated_data["channel"], body.validated_data.get("metadata") or {}, f"api:{request.user}"
        )
        return Response(result, status=status.HTTP_201_CREATED if result["created"] else status.HTTP_200_OK)


class PushPublishView(APIView):
    """Publish a message on a push channel; answers how many subscribers it was delivered to."""

    @extend_schema(request=PublishRequestSerializer, responses={202: OpenApiTypes.OBJECT})
    def post(self, request: Request, channel: str) -> Response:
        body = PublishRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.push_publish(channel, body.validated_data["data"], f"api:{request.user}")
        return Response(result, status=status.HTTP_202_ACCEPTED)


class PresenceView(APIView):
    """Who is online on a push channel."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, channel: str) -> Response:
        return Response({"channel": channel, "presence": services.presence_list(channel)})


class ConfigExportView(APIView):
    """The whole configuration as gateway.yaml (${VAR} references kept; secrets never exported in clear)."""

    permission_classes = [AdminOnly]
    renderer_classes = [JSONRenderer, YamlTextRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("agents", str, description="Comma-separated agent names: export only these."),
            OpenApiParameter("channels", str, description="Comma-separated channel names: export only these."),
        ],
        # The body is a YAML document whose top level is a mapping of sections (what a YAML-aware client parses).
        responses={(200, "application/yaml"): OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> HttpResponse:
        def names(key: str) -> list[str] | None:
            if key not in request.query_params:
                return None
            return [name.strip() for name in request.query_params[key].split(",") if name.strip()]

        text = services.yaml_export(agents=names("agents"), channels=names("channels"))
        return HttpResponse(text, content_type="application/yaml; charset=utf-8")


class ConfigImportView(APIView):
    """Apply a gateway.yaml (idempotent upsert), or with dry_run only report the changes it would make."""

    parser_classes = [JSONParser, FormParser, MultiPartParser, YamlTextParser, TextYamlParser]

    @extend_schema(
        request={"application/json": YamlImportSerializer, "application/yaml": OpenApiTypes.STR},
        parameters=[
            OpenApiParameter("dry_run", bool, description="With a raw YAML body: only report the changes."),
            OpenApiParameter("prune", bool, description="With a raw YAML body: delete what the file lacks."),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request) -> Response:
        data = request.data
        if isinstance(data, str):  # a raw YAML body: the flags come from the query string
            data = {
                "yaml": data,
                **{key: request.query_params[key] for key in ("dry_run", "prune") if key in request.query_params},
            }
        body = YamlImportSerializer(data=data)
        body.is_valid(raise_exception=True)
        result = services.yaml_import(
            body.validated_data["yaml"], dry_run=body.validated_data["dry_run"], prune=body.validated_data["prune"]
        )
        return Response(result)


class StatusView(APIView):
    """Gateway status: counts, listener and delivery health, recent errors (the dashboard reads this too)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        data: dict[str, Any] = gateway_status()
        return Response(data)
