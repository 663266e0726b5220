"""PraisonAI's operator endpoints: GET /info and POST /api/channels/<name>/pause|resume|reconnect.

`/info` tells `praisonai gateway status` the version, protocol, agents and the caller's scopes; the channel actions
need admin scope. Both accept the gateway auth_token, an API token, a staff session, or — on a loopback-bound
rungateway only — a local unproxied request with no credentials, which is what PraisonAI's CLI sends.
"""

from __future__ import annotations

from rest_framework import authentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app.control import ACTIONS, instance_control
from routing.api.authentication import ApiTokenAuthentication
from routing.api.gateway_auth import GatewayTokenAuthentication, service_user
from routing.api.permissions import AdminOnly, ReadOnlyOrAdmin, effective_scope
from routing.serving.access import loopback_trusted
from routing.status.health import info_body

ALL_SCOPES = ["read", "write", "admin"]


class LoopbackOperator:
    """`request.auth` of a trusted local request: admin scope, like PraisonAI's loopback bypass."""

    scope = "admin"
    name = "loopback"

    def __str__(self) -> str:
        return "local operator (loopback)"


class LoopbackTrustAuthentication(authentication.BaseAuthentication):
    """No credentials, a loopback peer, a loopback-bound rungateway, no proxy headers → admin (access.py)."""

    def authenticate(self, request: Request) -> tuple[object, LoopbackOperator] | None:
        if authentication.get_authorization_header(request) or not loopback_trusted(request._request):
            return None  # credentials presented are judged by the token authentications
        return service_user(), LoopbackOperator()

    def authenticate_header(self, request: Request) -> str:
        """First in the list, so this makes a request without credentials a 401 (not a 403)."""
        return 'Bearer realm="api"'


AUTHENTICATION = [
    LoopbackTrustAuthentication,
    GatewayTokenAuthentication,
    ApiTokenAuthentication,
    authentication.SessionAuthentication,
]


def caller_scopes(request: Request) -> list[str]:
    """The caller's scopes as PraisonAI's `gateway status` prints them (admin implies write implies read)."""
    scope = effective_scope(request)
    return ALL_SCOPES[: ALL_SCOPES.index(scope) + 1] if scope in ALL_SCOPES else []


class InfoView(APIView):
    """GET /info: name, version, protocol_version, agents, sessions, clients, uptime and the caller's scopes."""

    authentication_classes = AUTHENTICATION
    permission_classes = [ReadOnlyOrAdmin]

    def get(self, request: Request) -> Response:
        return Response(info_body(caller_scopes(request)))


class ChannelControlView(APIView):
    """POST /api/channels/<name>/<pause|resume|reconnect>: `{"success", "message", "channel", "paused"}`."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AdminOnly]

    def post(self, request: Request, name: str, action: str) -> Response:
        if action not in ACTIONS:
            return Response({"success": False, "error": f"unknown action '{action}' (pause, resume, reconnect)"}, 404)
        result = instance_control(name, action)
        if result is None:
            return Response({"success": False, "error": f"unknown channel '{name}'"}, 404)
        return Response(
            {"success": result.success, "message": result.message, "channel": name, "paused": result.paused}
        )
