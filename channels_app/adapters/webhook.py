"""Generic signed HTTP webhook: HMAC-signed JSON in, reply to a signed callback URL or in the HTTP response.

Inbound signature schemes (option `signature_scheme`, PLATFORMS.md §9.1): `hmac` (default; header
`signature_header`, value `sha256=<hex>` over the raw body), `stripe` (`t=<unix>,v1=<hex>` over `t.body`)
and `standard` (Standard Webhooks: `webhook-id`/`webhook-timestamp`/`webhook-signature`). Callbacks are
always signed the Standard Webhooks way, the same `webhook-id` on every retry (PLATFORMS.md §9.3).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from channels_app.adapters.base import (
    Adapter,
    DeliveryError,
    HttpReply,
    InboundMessage,
    MalformedPayload,
    Sent,
    Target,
    VerificationError,
    retry_after_seconds,
)
from channels_app.adapters.signing import fresh, hmac_hex, same, standard_webhooks_signature
from gatewaysite import egress_clients
from gatewaysite.egress_clients import RefusedByPolicy

TOLERANCE = 300  # Stripe-style and Standard Webhooks replay window (PLATFORMS.md §9.1)
MAX_WAIT_SECONDS = 30.0


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MalformedPayload(f"{path} must be a non-empty string")
    return value


class WebhookAdapter(Adapter):
    platform = "webhook"
    flavour = "markdown"  # the caller gets the agent's Markdown as is

    def _secrets(self) -> list[str]:
        secrets = [self.credential("secret")]
        previous = self.credential("secret_previous", required=False)
        return secrets + ([previous] if previous else [])

    def verify(self, body: bytes, headers: Mapping[str, str], now: float | None = None) -> None:
        scheme = str(self.option("signature_scheme", "hmac") or "hmac")
        if scheme == "standard":
            msg_id, stamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
            received = headers.get("webhook-signature", "").split()
            if not msg_id or not stamp or not received:
                raise VerificationError("missing Standard Webhooks headers")
            if not fresh(stamp, TOLERANCE, now):
                raise VerificationError("stale webhook-timestamp")
            expected = [standard_webhooks_signature(s, msg_id, stamp, body) for s in self._secrets()]
            if not any(same(e, r) for e in expected for r in received):
                raise VerificationError("webhook-signature mismatch")
            return
        header = headers.get(str(self.option("signature_header", "X-Signature-256") or "X-Signature-256"), "")
        if not header:
            raise VerificationError("missing signature header")
        if scheme == "stripe":
            parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
            stamp = next((v for k, v in parts if k.strip() == "t"), "")
            signatures = [v for k, v in parts if k.strip() == "v1"]  # several v1 during rotation
            if not stamp or not signatures or not fresh(stamp, TOLERANCE, now):
                raise VerificationError("missing or stale t= in signature header")
            message = stamp.encode() + b"." + body
            if not any(same(hmac_hex(s, message), v) for s in self._secrets() for v in signatures):
                raise VerificationError("signature mismatch")
            return
        received = header.removeprefix("sha256=")
        if not any(same(hmac_hex(s, body), received) for s in self._secrets()):
            raise VerificationError("signature mismatch")

    def parse(self, payload: dict[str, Any], headers: Mapping[str, str]) -> list[InboundMessage]:
        event_id = _text(payload.get("id"), "id")
        if payload.get("type", "message.created") != "message.created":
            return []
        conversation = payload.get("conversation")
        message = payload.get("message")
        if not isinstance(conversation, dict) or not isinstance(message, dict):
            raise MalformedPayload("conversation and message must be objects")
        chat = _text(conversation.get("external_id"), "conversation.external_id")
        text = _text(message.get("text"), "message.text")
        sender = payload.get("sender") if isinstance(payload.get("sender"), dict) else {}
        reply = payload.get("reply") if isinstance(payload.get("reply"), dict) else {}
        context = str(conversation.get("context") or self.option("context", "dm") or "dm")
        if context not in ("dm", "group", "channel"):
            raise MalformedPayload("conversation.context must be dm, group or channel")
        wait = reply.get("wait")
        if wait is None:
            wait = _prefer_wait(headers.get("Prefer", ""))
        if not isinstance(wait, (int, float)) or isinstance(wait, bool) or not 0 <= wait < float("inf"):
            raise MalformedPayload("reply.wait must be a number of seconds")
        return [
            InboundMessage(
                platform=self.platform,
                dedupe_key=f"id:{event_id}",
                chat_id=chat,
                thread_id=str(conversation.get("thread_external_id") or ""),
                text=text,
                context=context,
                sender_id=str(sender.get("external_id") or ""),
                sender_name=str(sender.get("display_name") or ""),
                message_id=str(message.get("external_id") or ""),
                mentioned=True,
                raw=payload,
                reply={
                    "callback_url": self._callback_url(reply.get("callback_url")),
                    "correlation_id": str(reply.get("correlation_id") or message.get("external_id") or ""),
                    "wait": min(float(wait), MAX_WAIT_SECONDS) if wait else 0.0,
                },
            )
        ]

    def _callback_url(self, requested: Any) -> str:
        """The configured callback URL; a per-message URL only when its host is allow-listed (no open relay).

        The host compared is the one the HTTP client will connect to: the URL as `requests` prepares it, so
        `http://127.0.0.1:18202\\@localhost:18201/x` (urllib sees localhost, requests 127.0.0.1) is refused.
        """
        configured = self.credential("callback_url", required=False)
        if isinstance(requested, str) and requested:
            allowed = {str(host).lower() for host in self.option("allowed_callback_hosts", []) or []}
            prepared = connect_url(requested)
            if prepared is not None and urlsplit(prepared).hostname in allowed:
                return prepared
        return configured

    def accepted_reply(self, messages: list[InboundMessage]) -> HttpReply:
        ids = [m.dedupe_key.removeprefix("id:") for m in messages]
        return HttpReply(202, json.dumps({"accepted": ids}), "application/json")

    def target_for(self, message: InboundMessage) -> Target:
        target = super().target_for(message)
        target.extra = dict(message.reply)
        return target

    def send(self, chunk: str, target: Target) -> Sent:
        if "callback_url" in target.extra:  # a reply: where the inbound message asked (or the configured URL)
            url = target.extra.get("callback_url") or ""
            if not url:
                return Sent(platform_message_id="", response={"delivered_in": "http_response"})
        else:  # a message the gateway starts (a schedule): the configured callback URL, or nowhere to send it
            url = self._callback_url(None)
            if not url:
                raise DeliveryError("webhook: no callback_url configured to send to", permanent=True)
        delivery_id = str(target.extra.get("delivery_id") or "")
        body = json.dumps(
            {
                "id": delivery_id,
                "type": "message.reply",
                "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "correlation_id": target.extra.get("correlation_id", ""),
                "conversation": {"external_id": target.chat_id},
                "message": {"id": delivery_id, "text": chunk, "format": "markdown"},
            },
            separators=(",", ":"),
        ).encode()
        stamp = str(int(time.time()))  # each attempt signed with its own time, same id (PLATFORMS.md §9.3)
        headers = {
            "Content-Type": "application/json",
            "webhook-id": delivery_id,
            "webhook-timestamp": stamp,
            "webhook-signature": standard_webhooks_signature(self._secrets()[0], delivery_id, stamp, body),
            "Idempotency-Key": delivery_id,
            "User-Agent": "AgentGateway/1.0",
        }
        try:
            response = egress_clients.post(
                self.http, url, data=body, headers=headers, timeout=(self.connect_timeout, 10.0)
            )
        except RefusedByPolicy as exc:  # the outbound policy (gatewaysite/egress.py): retrying cannot help
            raise DeliveryError(f"webhook callback: {exc}", permanent=True, code="egress_refused") from exc
        except Exception as exc:  # requests' connection errors and timeouts: retry
            raise DeliveryError(f"webhook callback: {type(exc).__name__}", permanent=False) from exc
        if 200 <= response.status_code < 300:
            return Sent(platform_message_id=delivery_id, response={"status": response.status_code})
        retry = retry_after_seconds(response.headers.get("Retry-After"))
        transient = response.status_code in (408, 429) or response.status_code >= 500
        raise DeliveryError(
            f"webhook callback: HTTP {response.status_code}",
            permanent=not transient,
            retry_after=retry,
            code=str(response.status_code),
        )


def connect_url(url: str) -> str | None:
    """`url` as the HTTP client will send it, or None when its host is ambiguous or it carries credentials.

    requests (urllib3) and urllib disagree on backslashes and `@`; the URL is accepted only when both read the
    same host from the prepared form, with no user-info and an http(s) scheme.
    """
    try:
        prepared = str(requests.Request("POST", url).prepare().url)
        parsed = parse_url(prepared)
        split = urlsplit(prepared)
    except (requests.RequestException, LocationParseError, ValueError):
        return None
    if parsed.scheme not in ("http", "https") or parsed.auth or split.username is not None or not parsed.host:
        return None
    if (split.hostname or "") != parsed.host.lower().strip("[]"):
        return None
    return prepared


def _prefer_wait(prefer: str) -> float:
    """`Prefer: wait=10` (RFC 7240) asks for the reply in the HTTP response."""
    for part in prefer.split(","):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "wait":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 0.0
