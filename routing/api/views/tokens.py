"""WebSocket/polling access tokens (the realtime plane's own table): list, create (clear value shown once), change
scopes or enable, delete. Admin-only, reads included: token names and scopes describe who can reach the gateway."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.realtime.models import AccessToken
from routing.api.permissions import AdminOnly
from routing.api.serializers.operations import AccessTokenSerializer


def _shown(token: AccessToken, raw: str | None = None) -> dict:
    data = AccessTokenSerializer(token).data
    if raw:
        data["token"] = raw
    return data


class AccessTokenListView(APIView):
    """GET: every token (never its value). POST `{name, scopes}`: a new token, its value in `token`, shown once."""

    permission_classes = [AdminOnly]

    @extend_schema(responses=AccessTokenSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response([_shown(token) for token in AccessToken.objects.order_by("name")])

    @extend_schema(request=AccessTokenSerializer, responses={201: AccessTokenSerializer})
    def post(self, request: Request) -> Response:
        body = AccessTokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                token, raw = AccessToken.issue(body.validated_data["name"], sorted(set(body.validated_data["scopes"])))
        except IntegrityError as exc:
            raise ValidationError({"name": [f"a token named '{body.validated_data['name']}' exists"]}) from exc
        if not body.validated_data["enabled"]:
            AccessToken.objects.filter(pk=token.pk).update(enabled=False)
            token.enabled = False
        return Response(_shown(token, raw), status=status.HTTP_201_CREATED)


class AccessTokenDetailView(APIView):
    """GET one token; PATCH its `scopes` or `enabled`; DELETE it (connections using it are refused from then on)."""

    permission_classes = [AdminOnly]

    @extend_schema(responses=AccessTokenSerializer)
    def get(self, request: Request, name: str) -> Response:
        return Response(_shown(get_object_or_404(AccessToken, name=name)))

    @extend_schema(request=AccessTokenSerializer, responses=AccessTokenSerializer)
    def patch(self, request: Request, name: str) -> Response:
        token = get_object_or_404(AccessToken, name=name)
        body = AccessTokenSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if "scopes" in body.validated_data:
            token.scopes = sorted(set(body.validated_data["scopes"]))
        if "enabled" in body.validated_data:
            token.enabled = body.validated_data["enabled"]
        token.save(update_fields=["scopes", "enabled"])
        return Response(_shown(token))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, name: str) -> Response:
        get_object_or_404(AccessToken, name=name).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
