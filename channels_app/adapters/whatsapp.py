"""WhatsApp Cloud API (Meta): GET verification, X-Hub-Signature-256, batched messages, statuses, /messages."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from channels_app.adapters.base import (
    Adapter,
    DeliveryError,
    DeliveryStatus,
    HandshakeRefused,
    HttpReply,
    InboundMessage,
    Sent,
    Target,
    VerificationError,
    json_or_empty,
    retry_after_seconds,
)
from channels_app.adapters.shapes import items, mapping
from channels_app.adapters.signing import hmac_hex, same

# Graph error codes that clear up by themselves, with a sensible wait (PLATFORMS.md §4.7).
TRANSIENT_CODES = {130429: 1.0, 131056: 6.0, 80007: 5.0, 131000: 2.0, 1: 2.0, 2: 2.0}
WINDOW_CLOSED = 131047  # outside the 24-hour customer service window: a template is needed (PLATFORMS.md §4.7)


def _text_of(message: dict[str, Any]) -> str:
    kind = message.get("type")
    if kind == "text":
        return str((message.get("text") or {}).get("body") or "")
    if kind in ("image", "video", "document"):
        return str((message.get(kind) or {}).get("caption") or "")
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        return str(reply.get("title") or "")
    if kind == "button":
        return str((message.get("button") or {}).get("text") or "")
    return ""


class WhatsAppAdapter(Adapter):
    platform = "whatsapp"
    default_api_base_url = "https://graph.facebook.com"
    flavour = "whatsapp"

    def verify(self, body: bytes, headers: Mapping[str, str], now: float | None = None) -> None:
        header = headers.get("X-Hub-Signature-256", "")
        if not header.startswith("sha256="):
            raise VerificationError("missing X-Hub-Signature-256")
        # Key = the App Secret, over the raw bytes as received, never a re-serialisation (PLATFORMS.md §4.3).
        if not same("sha256=" + hmac_hex(self.credential("app_secret"), body), header):
            raise VerificationError("X-Hub-Signature-256 mismatch")

    def verify_get(self, query: Mapping[str, str]) -> HttpReply | None:
        expected = self.credential("verify_token")
        if query.get("hub.mode") != "subscribe" or not same(expected, query.get("hub.verify_token", "")):
            raise HandshakeRefused("wrong hub.verify_token or hub.mode")
        return HttpReply(200, query.get("hub.challenge", ""), "text/plain")

    def _values(self, payload: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """Each `entry[i].changes[j].value` for our number, with its field path for error messages."""
        if payload.get("object") != "whatsapp_business_account":
            return []
        ours = self.credential("phone_number_id", required=False)
        values = []
        for i, entry in enumerate(items(payload.get("entry"), "entry")):
            changes = mapping(entry, f"entry[{i}]").get("changes")
            for j, change in enumerate(items(changes, f"entry[{i}].changes")):
                change = mapping(change, f"entry[{i}].changes[{j}]")
                value = change.get("value") or {}
                if change.get("field") != "messages" or not isinstance(value, dict):
                    continue
                metadata = mapping(value.get("metadata"), f"entry[{i}].changes[{j}].value.metadata")
                number = str(metadata.get("phone_number_id") or "")
                if ours and number != ours:
                    continue  # another number of the WABA: 200 and drop (PLATFORMS.md §4.9)
                values.append((f"entry[{i}].changes[{j}].value", value))
        return values

    def parse(self, payload: dict[str, Any], headers: Mapping[str, str]) -> list[InboundMessage]:
        out: list[InboundMessage] = []
        # entry[], changes[] and messages[] are all arrays: Meta batches (PLATFORMS.md §4.4).
        for path, value in self._values(payload):
            contacts = [c for c in items(value.get("contacts"), f"{path}.contacts") if isinstance(c, dict)]
            names = {
                str(c.get("wa_id") or c.get("user_id") or ""): str(
                    mapping(c.get("profile"), f"{path}.contacts[].profile").get("name") or ""
                )
                for c in contacts
            }
            for message in items(value.get("messages"), f"{path}.messages"):
                if not isinstance(message, dict) or not message.get("id"):
                    continue
                # The phone number may be absent once a user adopts a username: fall back to the BSUID.
                sender = str(message.get("from") or (contacts[0].get("user_id") if contacts else "") or "")
                group = str(message.get("group_id") or "")
                text = _text_of(message)
                ignore = "" if text else f"message type {message.get('type')} has no text"
                out.append(
                    InboundMessage(
                        platform=self.platform,
                        dedupe_key=f"wamid:{message['id']}",
                        message_key=f"wamid:{message['id']}",
                        chat_id=group or sender,
                        text=text,
                        context="group" if group else "dm",
                        sender_id=sender,
                        sender_name=names.get(sender, ""),
                        message_id=str(message["id"]),
                        mentioned=not group,
                        ignore_reason=ignore,
                        raw=payload,
                    )
                )
        return out

    def parse_statuses(self, payload: dict[str, Any]) -> list[DeliveryStatus]:
        out: list[DeliveryStatus] = []
        for path, value in self._values(payload):
            for status in items(value.get("statuses"), f"{path}.statuses"):
                if not isinstance(status, dict) or not status.get("id"):
                    continue
                errors = items(status.get("errors"), f"{path}.statuses[].errors") or [{}]
                first = errors[0] if isinstance(errors[0], dict) else {}
                out.append(
                    DeliveryStatus(
                        platform_message_id=str(status["id"]),
                        status=str(status.get("status") or ""),
                        error_code=str(first.get("code") or ""),
                        error_message=str((first.get("error_data") or {}).get("details") or first.get("message") or ""),
                        raw=status,
                    )
                )
        return out

    def _messages_url(self) -> str:
        version = self.option("api_version", "v21.0") or "v21.0"
        return f"{self.api_base_url}/{version}/{self.credential('phone_number_id')}/messages"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential('token')}", "Content-Type": "application/json"}

    def send(self, chunk: str, target: Target) -> Sent:
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "group" if target.extra.get("context") == "group" else "individual",
            "to": target.chat_id,
            "type": "text",
            "text": {"preview_url": False, "body": chunk},
        }
        if target.reply_to:
            body["context"] = {"message_id": target.reply_to}  # quote-reply to the user's message
        response = self.post_json(self._messages_url(), body, self._headers())
        data = json_or_empty(response)
        if 200 <= response.status_code < 300:
            messages = data.get("messages") or [{}]
            return Sent(platform_message_id=str(messages[0].get("id") or ""), response=data)
        error = data.get("error") if isinstance(data.get("error"), dict) else {}
        code = int(error.get("code") or 0) if str(error.get("code") or "0").isdigit() else 0
        message = f"whatsapp: ({code}) {error.get('message') or f'HTTP {response.status_code}'}"
        # Decide on error.code, not the HTTP status (PLATFORMS.md §4.7).
        if code in TRANSIENT_CODES:
            raise DeliveryError(message, permanent=False, retry_after=TRANSIENT_CODES[code], code=str(code))
        if response.status_code == 429 or response.status_code >= 500:
            retry = retry_after_seconds(response.headers.get("Retry-After"))
            raise DeliveryError(message, permanent=False, retry_after=retry, code=str(code or response.status_code))
        raise DeliveryError(message, permanent=True, code=str(code or response.status_code))

    def react(self, target: Target, message_id: str, emoji: str, *, replaces: str = "") -> None:
        # A reaction message replaces the sender's earlier reaction on that message; an empty emoji removes it.
        if not message_id or not (emoji or replaces):
            return
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "group" if target.extra.get("context") == "group" else "individual",
            "to": target.chat_id,
            "type": "reaction",
            "reaction": {"message_id": message_id, "emoji": emoji},
        }
        response = self.post_json(self._messages_url(), body, self._headers())
        if not 200 <= response.status_code < 300:
            error = json_or_empty(response).get("error")
            detail = error.get("message") if isinstance(error, dict) else f"HTTP {response.status_code}"
            raise DeliveryError(f"whatsapp: reaction: {detail}", permanent=response.status_code < 500)

    def typing(self, target: Target) -> None:
        if not target.reply_to:
            return
        body = {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": target.reply_to,
            "typing_indicator": {"type": "text"},
        }
        with contextlib.suppress(DeliveryError):  # an indicator is a courtesy; the reply matters
            self.post_json(self._messages_url(), body, self._headers())
