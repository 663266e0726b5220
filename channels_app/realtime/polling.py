"""HTTP long-polling for push clients that cannot hold a socket: the same identities, subscriptions and acks as /ws.

Views are thin: auth (same tokens and scopes as /ws), parse, call the push/presence services. `messages` waits up to
poll_timeout for something the identity has not acked yet; messages stay pending until acked (at-least-once).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.core import signing
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from channels_app.realtime import frames, presence, push
from channels_app.realtime.auth import ADMIN, READ, WRITE, AuthResult, authenticate_token
from channels_app.realtime.config import RealtimeConfig, load_config

POLL_INTERVAL = 0.1
CLIENT_ID_TAKEN = "that client_id belongs to another token (an admin-scope token may act for it)"
View = Callable[[HttpRequest], Awaitable[JsonResponse]]


def _token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.GET.get("token")


def _auth(request: HttpRequest) -> tuple[AuthResult, RealtimeConfig]:
    config = load_config()
    return authenticate_token(_token(request), config), config


def _fail(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"ok": False, "error": {"code": code, "message": message, **extra}}, status=status)


def endpoint(scope: str, methods: tuple[str, ...] = ("POST",)) -> Callable[[Callable[..., Any]], View]:
    """Wrap a handler `(body, config) -> dict` with auth, method and JSON checks; PushError becomes a 400."""

    def wrap(handler: Callable[..., Any]) -> View:
        @csrf_exempt
        async def view(request: HttpRequest) -> JsonResponse:
            if request.method not in methods:
                return _fail(405, "method_not_allowed", f"use {' or '.join(methods)}")
            auth, config = await sync_to_async(_auth)(request)
            if not auth.ok:
                return _fail(401, "auth_required", "a valid token is required (Authorization: Bearer or ?token=)")
            if not auth.allows(scope):
                return _fail(403, "insufficient_scope", f"needs the {scope} scope", required_scope=scope)
            if not config.push_enabled:
                return _fail(404, "push_disabled", "push is not enabled on this gateway")
            if request.method == "GET":
                body: Any = request.GET.dict()
            else:
                try:
                    body = frames.parse_json(request.body or b"{}")
                except frames.FrameParseError as exc:
                    return _fail(400, "invalid_json", f"the body is not valid JSON: {exc.message}")
            if not isinstance(body, dict):
                return _fail(400, "invalid_body", "the body must be a JSON object")
            identity = _named_identity(body)
            if identity and not await sync_to_async(push.claim_client)(identity, auth.owner, auth.allows(ADMIN)):
                return _fail(403, "client_id_taken", CLIENT_ID_TAKEN)
            try:
                result = await handler(body, config)
            except push.PushError as exc:
                return _fail(400, exc.code, exc.message)
            return JsonResponse({"ok": True, **result})

        return view

    return wrap


POLL_TOKEN_SALT = "channels_app.realtime.polling"


def poll_token_for(client_id: str) -> str:
    """The `poll_token` register hands out: the identity, signed, so any process can check it without storing it."""
    return signing.dumps(client_id, salt=POLL_TOKEN_SALT, compress=True)


def _named_identity(body: dict[str, Any]) -> str | None:
    """The client_id (or poll_token's identity) a request names, checked against its owner token before it runs."""
    try:
        return _client_id(body)
    except push.PushError:
        return None  # none named, or a bad poll_token: the handler answers that


def _client_id(body: dict[str, Any]) -> str:
    """The identity a polling request acts for: its `poll_token` (PraisonAI's PushClient) or its `client_id`."""
    client_id = body.get("client_id")
    given = client_id.strip()[:128] if isinstance(client_id, str) and client_id.strip() else ""
    token = body.get("poll_token")
    if isinstance(token, str) and token:
        try:
            owner = str(signing.loads(token, salt=POLL_TOKEN_SALT))
        except signing.BadSignature as exc:
            raise push.PushError("invalid_poll_token", "poll_token is not one this gateway issued") from exc
        if given and given != owner:
            raise push.PushError("poll_token_mismatch", "poll_token belongs to another client_id")
        return owner
    if not given:
        raise push.PushError("missing_client_id", "client_id or poll_token is required (get them from register)")
    return given


@endpoint(READ)
async def register(body: dict[str, Any], config: RealtimeConfig) -> dict[str, Any]:
    """Hand out (or confirm) a client identity; polling and /ws share identities."""
    given = body.get("client_id")
    client_id = given.strip()[:128] if isinstance(given, str) and given.strip() else "poll-" + uuid.uuid4().hex
    channels = await sync_to_async(push.client_channels)(client_id)
    return {
        "client_id": client_id,
        "poll_token": poll_token_for(client_id),
        "channels": channels,
        "poll_timeout": config.poll_timeout,
        "batch": config.poll_batch,
    }


@endpoint(READ)
async def subscribe(body: dict[str, Any], config: RealtimeConfig) -> dict[str, Any]:
    client_id = _client_id(body)
    sub = await sync_to_async(push.subscribe)(client_id, body.get("channel"))
    return {"channel": body["channel"], "seq": sub.acked_through}


@endpoint(READ)
async def unsubscribe(body: dict[str, Any], config: RealtimeConfig) -> dict[str, Any]:
    removed = await sync_to_async(push.unsubscribe)(_client_id(body), body.get("channel"))
    return {"channel": body.get("channel"), "removed": removed}


@endpoint(READ)
async def messages(body: dict[str, Any], config: RealtimeConfig) -> dict[str, Any]:
    """Long-poll: answer at once with unacked messages, or wait up to `timeout` (capped by poll_timeout) for some."""
    client_id = _client_id(body)
    wait = body.get("timeout", config.poll_timeout)
    wait = min(float(wait), config.poll_timeout) if isinstance(wait, int | float) and wait >= 0 else config.poll_timeout
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    await sync_to_async(presence.heartbeat)(client_id)
    while True:
        found = await sync_to_async(push.pending)(client_id, config.poll_batch)
        if found or loop.time() >= deadline:
            return {"client_id": client_id, "messages": found}
        await asyncio.sleep(min(POLL_INTERVAL, max(deadline - loop.time(), 0)))


@endpoint(READ)
async def ack(body: dict[str, Any], config: RealtimeConfig) -> dict[str, Any]:
    client_id = _client_id(body)
    ids = body.get("event_ids") or ([body["event_id"]] if "event_id" in body else [])
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or not ids:
        raise push.PushError("invalid_ack", "send event_id or event_ids (a list of strings)")
    results = {i: await sync_to_async(push.ack)(client_id, event_id=i) for i in ids}
    return {"acked": [i for i, ok in results.items() if ok], "unknown": [i for i, ok in results.items() if not ok]}


@endpoint(READ)
async def heartbeat(body: dict[str, Any], config: RealtimeConfig) -> dict[str, Any]:
    client_id = _client_id(body)
    status = body.get("status") if isinstance(body.get("status"), str) else "online"
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
    joined = await sync_to_async(presence.heartbeat)(client_id, status, metadata)
    if joined:
        await sync_to_async(presence.announce)(client_id, "presence_join", status)
    return {"client_id": client_id, "status": status}


@endpoint(READ, methods=("GET",))
async def presence_list(body: dict[str, Any], config: RealtimeConfig) -> dict[str, Any]:
    channel = body.get("channel") or None
    clients = await sync_to_async(presence.query)(channel, config.presence_timeout)
    return {"channel": channel, "clients": clients}


@endpoint(WRITE)
async def publish(body: dict[str, Any], config: RealtimeConfig) -> dict[str, Any]:
    if "data" not in body:
        raise push.PushError("missing_data", "publish needs 'data'")
    publisher = body.get("client_id") if isinstance(body.get("client_id"), str) else ""
    frame, delivered = await push.apublish(body.get("channel"), body["data"], publisher)
    return {"channel": frame["channel"], "seq": frame["seq"], "event_id": frame["event_id"], "delivered": delivered}
