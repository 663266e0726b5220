"""`POST /hooks/<path>`: authenticate, verify the provider's signature, parse, run (see service.py)."""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from gatewaysite.secrets import resolve_secret
from routing.hooks.models import Hook
from routing.hooks.service import hook_execute


def _bearer(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _api_token_may_write(token: str) -> bool:
    """A token (the one token model) that may write now: enabled, not expired, its user still allowed to."""
    from channels_app.realtime import tokens

    found = tokens.check(token)
    return found is not None and bool({"write", "admin"} & set(found.scopes))


def _refusal(request: HttpRequest, hook: Hook) -> JsonResponse | None:
    """The hook's own token when it has one, else the gateway auth_token or a write-scoped API token."""
    token = _bearer(request)
    if not token:
        return JsonResponse({"error": "Authentication required"}, status=401, headers={"WWW-Authenticate": "Bearer"})
    if hook.auth:
        expected = resolve_secret(hook.auth)
        # An unset ${VAR} accepts nobody: a missing secret must never open the hook.
        ok = bool(expected) and hmac.compare_digest(token.encode(), str(expected).encode())
    else:
        from channels_app.realtime.config import load_config

        gateway_token = load_config().auth_token
        ok = bool(gateway_token) and hmac.compare_digest(token.encode(), gateway_token.encode())
        ok = ok or _api_token_may_write(token)
    return None if ok else JsonResponse({"error": "Invalid authentication token"}, status=403)


def _signature_ok(request: HttpRequest, hook: Hook, body: bytes) -> bool:
    secret = resolve_secret(hook.secret)
    if not secret:
        return False
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    given = request.headers.get(hook.signature_header or "X-Signature-256", "")
    prefix = hook.signature_prefix
    if prefix and given.startswith(prefix):
        given = given[len(prefix) :]
    return hmac.compare_digest(given.strip().lower().encode(), digest.encode())


@csrf_exempt
@require_POST
def hook_view(request: HttpRequest, hook_path: str) -> JsonResponse:
    hook = Hook.objects.select_related("agent").filter(path=hook_path.strip("/"), enabled=True).first()
    if hook is None:
        return JsonResponse({"error": "hook not found"}, status=404)
    if refused := _refusal(request, hook):
        return refused
    limit = getattr(settings, "GATEWAY_MAX_BODY_BYTES", 1024 * 1024)
    if int(request.headers.get("Content-Length") or 0) > limit:
        return JsonResponse({"error": f"body larger than {limit} bytes"}, status=413)
    body = request.body
    if hook.secret and not _signature_ok(request, hook, body):
        return JsonResponse({"error": "invalid signature"}, status=401)
    try:
        payload = json.loads(body) if body else {}
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "Invalid JSON. Send a JSON object payload."}, status=400)
    if not isinstance(payload, dict):
        payload = {"value": payload}
    status, answer = hook_execute(hook, payload)
    return JsonResponse(answer, status=status)
