"""Human takeover over the API (operators and admins): POST /sessions/<id>/takeover pauses the agent in that
conversation, DELETE hands back, POST /sessions/<id>/reply answers as the caller (console_app.takeover)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from console_app import takeover
from routing.api.permissions import OperatorOrAdmin
from routing.models import Session


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField(help_text="What the human answers (Markdown, formatted like an agent reply).")


class TakeoverView(APIView):
    """The takeover state of a channel session: GET it, POST to pause the agent, DELETE to hand back."""

    permission_classes = [OperatorOrAdmin]

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        return Response({"takeover": takeover.state(get_object_or_404(Session, pk=pk))})

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        session = get_object_or_404(Session, pk=pk)
        try:
            return Response({"takeover": takeover.start(session, request.user.get_username())})
        except takeover.TakeoverError as exc:
            raise ValidationError({"session": str(exc)}) from exc

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def delete(self, request: Request, pk: int) -> Response:
        session = get_object_or_404(Session, pk=pk)
        try:
            takeover.hand_back(session, request.user.get_username())
        except takeover.TakeoverError as exc:
            raise ValidationError({"session": str(exc)}) from exc
        return Response({"takeover": None})


class TakeoverReplyView(APIView):
    """Answer in a taken-over conversation as the caller; sent through the delivery path like an agent reply."""

    permission_classes = [OperatorOrAdmin]

    @extend_schema(
        request=ReplySerializer,
        responses={201: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("reply", value={"text": "Hi, this is Dana from support."}, request_only=True)],
    )
    def post(self, request: Request, pk: int) -> Response:
        session = get_object_or_404(Session, pk=pk)
        body = ReplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            rows = takeover.reply(session, request.user.get_username(), body.validated_data["text"])
        except takeover.TakeoverError as exc:
            raise ValidationError({"session": str(exc)}) from exc
        chunks = [{"seq": r.seq, "status": r.status, "platform_message_id": r.platform_message_id} for r in rows]
        return Response({"chunks": chunks}, status=status.HTTP_201_CREATED)
