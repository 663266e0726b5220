"""POST /api/v1/agents/<name>/chat: one message to an agent, answered as JSON or streamed as server-sent events."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents_app.models import Agent
from agents_app.runtime import AgentError
from routing.api.chat import SessionBusy, TurnLock, UnknownSession, chat_events, chat_reply, open_session
from routing.api.permissions import OperatorOrAdmin
from routing.api.renderers import EventStreamRenderer
from routing.api.serializers.operations import ChatReplySerializer, ChatRequestSerializer

TRUE = {"1", "true", "yes", "on"}


def wants_stream(request: Request, body_flag: bool) -> bool:
    """SSE when the client asks for it: Accept: text/event-stream, ?stream=1, or "stream": true in the body."""
    accept = request.META.get("HTTP_ACCEPT", "")
    return body_flag or "text/event-stream" in accept or request.query_params.get("stream", "").lower() in TRUE


class ChatView(APIView):
    """Send a message in a session (a new one unless `session_id` is given) and get the reply or a stream of it.

    Sending a message is an operator action: the operator or admin role (a token of at least write scope).
    """

    permission_classes = [OperatorOrAdmin]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, EventStreamRenderer]
    serializer_class = ChatRequestSerializer

    @extend_schema(
        request=ChatRequestSerializer,
        parameters=[OpenApiParameter("stream", bool, description="Stream as server-sent events.")],
        responses={
            200: ChatReplySerializer,
            (200, "text/event-stream"): OpenApiResponse(
                response=OpenApiTypes.STR, description="session, token_stream…, stream_end events"
            ),
            404: OpenApiResponse(description="Unknown agent or session"),
            409: OpenApiResponse(description="Agent disabled, or the session is answering another message"),
            502: OpenApiResponse(description="The agent's model failed"),
        },
        # Swagger's "Try it out" sends the example as is: a new session (no session_id) always works.
        examples=[
            OpenApiExample("A new session", value={"message": "Hello! What can you do?"}, request_only=True),
        ],
    )
    def post(self, request: Request, name: str) -> Response | StreamingHttpResponse:
        agent = get_object_or_404(Agent, name=name)
        body = ChatRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not agent.enabled:
            return Response({"detail": f"agent '{agent.name}' is disabled"}, status=status.HTTP_409_CONFLICT)
        try:
            ctx = open_session(agent, body.validated_data.get("session_id") or None)
        except UnknownSession as exc:
            raise NotFound(str(exc)) from exc
        message = body.validated_data["message"]
        lock = TurnLock(ctx.session)
        try:
            lock.acquire()
        except SessionBusy as exc:
            return Response({"detail": str(exc), "session_id": ctx.session.key}, status=status.HTTP_409_CONFLICT)
        if wants_stream(request, body.validated_data.get("stream", False)):
            response = StreamingHttpResponse(chat_events(ctx, message, lock), content_type="text/event-stream")
            response["Cache-Control"] = "no-cache"
            response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
            response["X-Session-Id"] = ctx.session.key
            return response
        try:
            reply = async_to_sync(chat_reply)(ctx, message)
        except AgentError as exc:
            return Response(
                {"detail": str(exc), "code": exc.reason, "session_id": ctx.session.key},
                status=status.HTTP_502_BAD_GATEWAY,
            )
        finally:
            lock.release()
        data = {"session_id": ctx.session.key, "reply": reply.text, "agent": agent.name, "model": reply.model}
        return Response(ChatReplySerializer(data).data)
