"""Discord: the interactions endpoint (Ed25519, PING → PONG, slash command → deferred then follow-up) and replies
over the REST API (2,000-character chunks, message references, no pings, nonce idempotency, rate-limit buckets).

Ordinary messages arrive over the gateway WebSocket (channels_app.listeners.discord_gateway), not here
(PLATFORMS.md §6.1); the listener builds InboundMessages with `inbound_from_gateway`.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from channels_app.adapters.base import (
    Adapter,
    DeliveryError,
    HttpReply,
    InboundMessage,
    MalformedPayload,
    Sent,
    Target,
    VerificationError,
    json_or_empty,
    retry_after_seconds,
)

PING, APPLICATION_COMMAND = 1, 2
PONG, DEFERRED_CHANNEL_MESSAGE = 1, 5
TIMESTAMP_WINDOW = 300  # Discord does not require it; ±5 min plus id dedupe is reasonable (PLATFORMS.md §6.5)
TRANSIENT_STATUS = {429, 500, 502, 503, 504}
USER_AGENT = "DiscordBot (https://github.com/agent-gateway, 1.0)"


def strip_mention(text: str, bot_id: str) -> str:
    if not bot_id:
        return text.strip()
    return re.sub(rf"<@!?{re.escape(bot_id)}>\s*", "", text).strip()


def command_text(data: dict[str, Any]) -> str:
    """What a slash command asks: a lone string option is the prompt itself; otherwise name and options."""
    options = [o for o in data.get("options") or [] if isinstance(o, dict)]
    if len(options) == 1 and isinstance(options[0].get("value"), str):
        return options[0]["value"].strip()
    parts = [f"/{data.get('name', '')}"] + [f"{o.get('name')}: {o.get('value')}" for o in options]
    return " ".join(parts).strip()


class DiscordAdapter(Adapter):
    platform = "discord"
    default_api_base_url = "https://discord.com/api/v10"
    flavour = "markdown"  # Discord renders a Markdown subset (PLATFORMS.md §6.9)
    max_bucket_wait: ClassVar[float] = 5.0
    # Per-route rate-limit buckets learnt from X-RateLimit-* headers, shared by every adapter in the process.
    _buckets: ClassVar[dict[str, float]] = {}
    _bucket_lock: ClassVar[threading.Lock] = threading.Lock()

    # -- interactions endpoint --------------------------------------------------------------------
    def verify(self, body: bytes, headers: Mapping[str, str], now: float | None = None) -> None:
        signature = headers.get("X-Signature-Ed25519", "")
        timestamp = headers.get("X-Signature-Timestamp", "")
        if not signature or not timestamp:
            raise VerificationError("missing Discord signature headers")
        try:
            key = VerifyKey(bytes.fromhex(self.credential("public_key")))
            key.verify(timestamp.encode() + body, bytes.fromhex(signature))
        except (BadSignatureError, ValueError) as exc:  # non-hex and wrong-length input included (§6.5 step 4)
            raise VerificationError("invalid request signature") from exc
        try:
            skew = abs((time.time() if now is None else now) - int(timestamp))
        except ValueError as exc:
            raise VerificationError("malformed Discord timestamp") from exc
        if skew > TIMESTAMP_WINDOW:
            raise VerificationError("stale Discord timestamp")

    def handshake(self, payload: dict[str, Any]) -> HttpReply | None:
        if payload.get("type") == PING:
            return HttpReply(200, json.dumps({"type": PONG}), "application/json")
        return None

    def parse(self, payload: dict[str, Any], headers: Mapping[str, str]) -> list[InboundMessage]:
        if payload.get("type") != APPLICATION_COMMAND:
            raise MalformedPayload(f"unsupported interaction type {payload.get('type')!r}")
        if not payload.get("id") or not payload.get("token") or not payload.get("channel_id"):
            raise MalformedPayload("interaction without id, token or channel_id")
        user = (payload.get("member") or {}).get("user") or payload.get("user") or {}
        in_guild = bool(payload.get("guild_id"))
        return [
            InboundMessage(
                platform=self.platform,
                dedupe_key=f"interaction:{payload['id']}",
                message_key=f"interaction:{payload['id']}",
                chat_id=str(payload["channel_id"]),
                text=command_text(payload.get("data") or {}),
                context=str(self.option("guild_context", "channel") or "channel") if in_guild else "dm",
                sender_id=str(user.get("id") or ""),
                sender_name=str(user.get("global_name") or user.get("username") or ""),
                message_id=str(payload["id"]),
                mentioned=True,  # a slash command is always addressed to the app
                is_bot_echo=bool(user.get("bot")),
                raw=payload,
                reply={
                    "interaction_token": str(payload["token"]),
                    "application_id": str(
                        payload.get("application_id") or self.credential("application_id", required=False)
                    ),
                },
            )
        ]

    def accepted_reply(self, messages: list[InboundMessage]) -> HttpReply:
        # Deferred: Discord shows "thinking…" and the answer follows within 15 minutes (PLATFORMS.md §6.5).
        return HttpReply(200, json.dumps({"type": DEFERRED_CHANNEL_MESSAGE}), "application/json")

    # -- replies ----------------------------------------------------------------------------------
    def target_for(self, message: InboundMessage) -> Target:
        extra = {k: v for k, v in (message.reply or {}).items() if k in ("interaction_token", "application_id")}
        return Target(chat_id=message.chat_id, thread_id=message.thread_id, reply_to=message.message_id, extra=extra)

    def send(self, chunk: str, target: Target) -> Sent:
        extra = target.extra or {}
        token, app_id = extra.get("interaction_token"), extra.get("application_id")
        if token and app_id:
            first = bool(target.reply_to)  # the pipeline sets reply_to on the first chunk only
            path = f"/webhooks/{app_id}/{token}" + ("/messages/@original" if first else "")
            body = {"content": chunk, "allowed_mentions": {"parse": []}}
            try:
                return self._request("PATCH" if first else "POST", path, body, bucket=f"webhook:{app_id}", auth=False)
            except DeliveryError as exc:
                if exc.code not in ("401", "404", "10015"):
                    raise
                # The interaction token lives 15 minutes; past that, answer in the channel instead (§6.5).
        body = {
            "content": chunk,
            # LLM text must never ping @everyone or users (PLATFORMS.md §6.7).
            "allowed_mentions": {"parse": [], "replied_user": False},
        }
        if target.reply_to and not token:
            body["message_reference"] = {"message_id": target.reply_to, "fail_if_not_exists": False}
        delivery = str(extra.get("delivery_id") or "")
        if delivery:
            # nonce + enforce_nonce: Discord returns the earlier message instead of posting a duplicate (§6.7).
            body["nonce"] = hashlib.sha256(delivery.encode()).hexdigest()[:25]
            body["enforce_nonce"] = True
        return self._request("POST", f"/channels/{target.chat_id}/messages", body, bucket=f"channel:{target.chat_id}")

    def _wait_for_bucket(self, bucket: str) -> None:
        with self._bucket_lock:
            reset = self._buckets.get(bucket, 0.0)
        delay = reset - time.monotonic()
        if delay <= 0:
            return
        if delay > self.max_bucket_wait:
            raise DeliveryError("discord: rate-limit bucket exhausted", permanent=False, retry_after=delay, code="429")
        time.sleep(delay)

    def _remember_bucket(self, bucket: str, headers: Mapping[str, str]) -> None:
        remaining, reset_after = headers.get("X-RateLimit-Remaining"), headers.get("X-RateLimit-Reset-After")
        with self._bucket_lock:
            if remaining == "0" and reset_after:
                self._buckets[bucket] = time.monotonic() + (retry_after_seconds(reset_after) or 0.0)
            else:
                self._buckets.pop(bucket, None)

    def _request(self, method: str, path: str, body: dict[str, Any], *, bucket: str, auth: bool = True) -> Sent:
        self._wait_for_bucket(bucket)
        headers = {"User-Agent": USER_AGENT, "Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bot {self.credential('token')}"
        try:
            response = self.http.request(
                method,
                f"{self.api_base_url}{path}",
                json=body,
                headers=headers,
                timeout=(self.connect_timeout, self.read_timeout),
            )
        except Exception as exc:  # requests' connection errors and timeouts: transient
            raise DeliveryError(f"discord: {type(exc).__name__}", permanent=False) from exc
        self._remember_bucket(bucket, response.headers)
        data = json_or_empty(response)
        if response.status_code in (200, 201, 204):
            return Sent(platform_message_id=str(data.get("id") or ""), response=data)
        if response.status_code == 429:
            retry = data.get("retry_after")
            wait = (
                float(retry)
                if isinstance(retry, int | float)
                else retry_after_seconds(response.headers.get("Retry-After"))
            )
            raise DeliveryError("discord: rate limited", permanent=False, retry_after=wait, code="429")
        code = str(data.get("code") or response.status_code)
        message = str(data.get("message") or f"HTTP {response.status_code}")
        if response.status_code in TRANSIENT_STATUS:
            raise DeliveryError(f"discord: {message}", permanent=False, code=code)
        if response.status_code in (401, 404) and code in ("0", "10015", str(response.status_code)):
            code = "10015" if code == "10015" else str(response.status_code)
        raise DeliveryError(f"discord: {message} ({code})", permanent=True, code=code)

    def react(self, target: Target, message_id: str, emoji: str, *, replaces: str = "") -> None:
        # PUT/DELETE /channels/{c}/messages/{m}/reactions/{emoji}/@me, emoji URL-encoded (Discord API, Reactions).
        if not message_id.isdigit() or (target.extra or {}).get("interaction_token"):
            return  # a slash command has no user message to react to
        for method, value in (("PUT", emoji), ("DELETE", replaces)):
            if value:
                path = f"/channels/{target.chat_id}/messages/{message_id}/reactions/{quote(value, safe='')}/@me"
                self._request(method, path, {}, bucket=f"reactions:{target.chat_id}")

    def post_activity(self, target: Target, text: str) -> str:
        if (target.extra or {}).get("interaction_token"):
            return ""  # a slash command shows Discord's own "thinking…"
        path = f"/channels/{target.chat_id}/messages"
        return self._request(
            "POST", path, {"content": f"*{text}*"}, bucket=f"channel:{target.chat_id}"
        ).platform_message_id

    def edit_activity(self, target: Target, message_id: str, text: str) -> None:
        path = f"/channels/{target.chat_id}/messages/{message_id}"
        self._request("PATCH", path, {"content": f"*{text}*"}, bucket=f"channel:{target.chat_id}")

    def delete_activity(self, target: Target, message_id: str) -> None:
        path = f"/channels/{target.chat_id}/messages/{message_id}"
        self._request("DELETE", path, {}, bucket=f"channel:{target.chat_id}")

    def typing(self, target: Target) -> None:
        if (target.extra or {}).get("interaction_token"):
            return  # the deferred response already shows "thinking…"
        try:
            self.http.post(
                f"{self.api_base_url}/channels/{target.chat_id}/typing",
                headers={"Authorization": f"Bot {self.credential('token')}", "User-Agent": USER_AGENT},
                timeout=(self.connect_timeout, 5.0),
            )
        except Exception:  # best effort by contract
            return
