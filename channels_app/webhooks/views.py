"""`/webhooks/<instance>/`: verify on the raw body, limit, store, acknowledge — nothing slower.

Order of checks and status codes follow PLATFORMS.md §2.4: 404 unknown/disabled instance (one body for all),
405 wrong method, 413 oversize, 401 bad/missing/stale signature, 403 wrong verify token, 400 malformed body
after a good signature, 429 instance rate limit, 503 when the event cannot be stored, 200 for authentic
events we ignore or have already seen.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from channels_app.adapters import (
    Adapter,
    HandshakeRefused,
    HttpReply,
    MalformedPayload,
    NotConfigured,
    VerificationError,
)
from channels_app.events import EventType, publish
from channels_app.models import ChannelInstance, InboundEvent, OutboundMessage
from channels_app.webhooks import ratelimit
from channels_app.webhooks.instances import Resolved, instances
from channels_app.webhooks.writer import writer

logger = logging.getLogger(__name__)

NOT_FOUND = {"error": "not found"}
UNAUTHORIZED = {"error": "invalid request"}


def _reply(reply: HttpReply) -> HttpResponse:
    response = HttpResponse(reply.body, status=reply.status, content_type=reply.content_type)
    for key, value in reply.headers.items():
        response[key] = value
    return response


def _rejected(instance: ChannelInstance, status: int, reason: str) -> None:
    """Log and publish a rejection (sync: publishing registers an after-commit callback)."""
    logger.info("webhook %s rejected (%s): %s", instance.name, status, reason)
    publish(EventType.INBOUND_REJECTED, instance=instance.name, status=status, reason=reason)


async def _reject(
    instance: ChannelInstance, status: int, reason: str, body: dict, headers: dict | None = None
) -> HttpResponse:
    # Off the event loop and off the shared thread-sensitive thread: rejections must not queue behind acks.
    await sync_to_async(_rejected, thread_sensitive=False)(instance, status, reason)
    response = JsonResponse(body, status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


async def _resolve(name: str) -> Resolved:
    """The instance behind the URL: from the short-lived cache, else one query off the event loop."""
    cached = instances.cached(name)
    if cached is not None:
        return cached
    return await sync_to_async(instances.load, thread_sensitive=False)(name)


def _decode(adapter: Adapter, body: bytes, headers: Any) -> object:
    """The body as data: JSON, or a form for adapters that take one (Slack slash commands); None when neither."""
    decode_form = getattr(adapter, "decode_form", None)
    content_type = str(headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if decode_form is not None and content_type == "application/x-www-form-urlencoded":
        try:
            return decode_form(body)
        except MalformedPayload:
            return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: JSON nested ~1,000+ deep
        return None


async def _handle_post(
    instance: ChannelInstance, adapter: Adapter, body: bytes, headers: Any
) -> tuple[HttpResponse, list[int], float]:
    """Verify, parse and store in the event loop (all CPU-cheap); the insert is the group-commit writer's.

    Returns the response, the accepted event ids, and how long the caller may wait for the reply.
    """
    try:
        adapter.verify(body, headers)
    except (VerificationError, NotConfigured) as exc:
        return await _reject(instance, 401, str(exc), UNAUTHORIZED), [], 0.0
    payload = _decode(adapter, body, headers)
    if not isinstance(payload, dict):
        response = await _reject(
            instance, 400, "body is not a JSON object", {"error": "malformed body"}, adapter.malformed_headers
        )
        return response, [], 0.0
    handshake = adapter.handshake(payload)
    if handshake is not None:
        return _reply(handshake), [], 0.0
    allowed, retry_in = ratelimit.instance_allowed(instance.name, instance.options or {})
    if not allowed:
        headers_out = {"Retry-After": str(int(retry_in) + 1)}
        return await _reject(instance, 429, "instance rate limit", {"error": "rate limited"}, headers_out), [], 0.0
    try:
        messages = adapter.parse(payload, headers)
        statuses = adapter.parse_statuses(payload)
    except MalformedPayload as exc:
        response = await _reject(
            instance, 400, str(exc), {"error": f"malformed body: {exc}"}, adapter.malformed_headers
        )
        return response, [], 0.0
    except (TypeError, AttributeError, KeyError, IndexError, ValueError, RecursionError) as exc:
        # A shape no adapter check named: still the sender's mistake (400), logged without a traceback.
        reason = f"unexpected structure ({type(exc).__name__}: {exc})"
        response = await _reject(instance, 400, reason, {"error": "malformed body"}, adapter.malformed_headers)
        return response, [], 0.0
    if not messages and not statuses:
        return HttpResponse(b"", status=200), [], 0.0  # authentic but not for us: 200 so it is not retried
    try:
        result = await writer.store(instance, messages, statuses)
    except DatabaseError:
        logger.exception("webhook %s: could not store the delivery", instance.name)
        return JsonResponse({"error": "temporarily unavailable"}, status=503, headers={"Retry-After": "5"}), [], 0.0
    wait = max((float(m.reply.get("wait") or 0) for m in messages), default=0.0)
    return _reply(adapter.accepted_reply(messages)), result.accepted, wait


def _finished_reply(event_ids: list[int]) -> dict[str, Any] | None:
    """The replies of finished events, or None while any is still running."""
    events = list(InboundEvent.objects.filter(pk__in=event_ids).values("pk", "status", "reply", "error"))
    unfinished = (InboundEvent.Status.RECEIVED, InboundEvent.Status.PROCESSING)
    if any(e["status"] in unfinished for e in events):
        return None
    replies = []
    for event in events:
        chunks = list(
            OutboundMessage.objects.filter(inbound_id=event["pk"]).order_by("seq").values_list("text", flat=True)
        )
        replies.append(
            {"event": event["pk"], "status": event["status"], "text": "\n\n".join(chunks), "error": event["error"]}
        )
    return {"replies": replies}


@csrf_exempt
async def webhook(request: HttpRequest, name: str) -> HttpResponse:
    """One URL per channel instance; the instance's platform picks the adapter."""
    resolved = await _resolve(name)
    instance, adapter = resolved.instance, resolved.adapter
    if instance is None or adapter is None:
        return JsonResponse(NOT_FOUND, status=404)
    if request.method == "GET":
        try:
            reply = adapter.verify_get(request.GET)
        except (HandshakeRefused, NotConfigured) as exc:
            return await _reject(instance, 403, str(exc), {"error": "forbidden"})
        if reply is None:
            return JsonResponse({"error": "method not allowed"}, status=405, headers={"Allow": "POST"})
        return _reply(reply)
    if request.method != "POST":
        return JsonResponse({"error": "method not allowed"}, status=405, headers={"Allow": "GET, POST"})
    limit = settings.GATEWAY_MAX_BODY_BYTES
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    try:
        body = request.body if declared <= limit else b"x" * (limit + 1)
    except RequestDataTooBig:
        body = b"x" * (limit + 1)
    if len(body) > limit:
        return await _reject(instance, 413, "body over the size limit", {"error": "payload too large"})
    response, accepted, wait = await _handle_post(instance, adapter, body, request.headers)
    if not accepted or wait <= 0:
        return response
    # The caller asked for the reply in this response (generic webhook `reply.wait` / `Prefer: wait=N`).
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        finished = await sync_to_async(_finished_reply, thread_sensitive=False)(accepted)
        if finished is not None:
            return JsonResponse(finished, status=200)
        await asyncio.sleep(0.05)
    return response
