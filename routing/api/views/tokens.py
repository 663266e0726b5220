"""Tokens (the one model for REST, WebSocket and push polling): list, create (clear value shown once), change scopes,
expiry or enabled, delete. Admin-only, reads included: token names and scopes describe who can reach the gateway.

A token created here belongs to the caller, its scopes clipped to the caller's role; the gateway's own auth_token
(not a person) creates service tokens. By name, a service token is found first, then the caller's own."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.realtime import tokens
from channels_app.realtime.models import AccessToken
from routing.api.gateway_auth import SERVICE_USERNAME
from routing.api.permissions import AdminOnly
from routing.api.serializers.operations import AccessTokenSerializer


def _owner(request: Request) -> object | None:
    """Whom a new token belongs to: the calling person, or nobody (a service token) for the gateway auth_token."""
    user = request.user
    return None if getattr(user, "username", "") == SERVICE_USERNAME else user


def _named(request: Request, name: str) -> AccessToken:
    """The service token called `name`, else the caller's own token of that name (404 otherwise)."""
    found = AccessToken.objects.filter(name=name, user__isnull=True).first()
    found = found or AccessToken.objects.filter(name=name, user=_owner(request)).first()
    if found is None:
        raise Http404(f"no token named {name!r}")
    return found


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
        owner = _owner(request)
        scopes = sorted(set(body.validated_data["scopes"]))
        if owner is not None:
            scopes = list(tokens.clip(scopes, tokens.scope_ceiling(owner)))
            if not scopes:
                raise ValidationError({"scopes": ["your role allows none of these scopes"]})
        try:
            with transaction.atomic():
                token, raw = AccessToken.issue(
                    body.validated_data["name"],
                    scopes,
                    user=owner,
                    expires_at=body.validated_data.get("expires_at"),
                )
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
        return Response(_shown(_named(request, name)))

    @extend_schema(request=AccessTokenSerializer, responses=AccessTokenSerializer)
    def patch(self, request: Request, name: str) -> Response:
        token = _named(request, name)
        body = AccessTokenSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if "scopes" in body.validated_data:
            token.scopes = sorted(set(body.validated_data["scopes"]))
        if "enabled" in body.validated_data:
            token.enabled = body.validated_data["enabled"]
        if "expires_at" in body.validated_data:
            token.expires_at = body.validated_data["expires_at"]
        token.save(update_fields=["scopes", "enabled", "expires_at"])
        return Response(_shown(token))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, name: str) -> Response:
        _named(request, name).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
