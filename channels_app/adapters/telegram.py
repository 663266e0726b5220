"""Telegram Bot API webhook: secret-token header, updates, mentions in groups, forum topics, sendMessage (HTML)."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Mapping
from typing import Any

from channels_app.adapters import telegram_identity
from channels_app.adapters.base import (
    Adapter,
    DeliveryError,
    InboundMessage,
    MalformedPayload,
    Sent,
    Target,
    VerificationError,
    json_or_empty,
)
from channels_app.adapters.signing import same

CHAT_TYPES = {"private": "dm", "group": "group", "supergroup": "group", "channel": "channel"}
# Emoji Telegram does not accept as reactions, mapped to one it does (its reaction set excludes ⏳ and ✅).
REACTION_FALLBACK = {"⏳": "👀", "⌛": "👀", "✅": "👍", "✔️": "👍", "☑️": "👍", "❌": "👎"}
_TAG = re.compile(r"<[^>]+>")


def utf16_slice(text: str, offset: int, length: int) -> str:
    """Entity offsets are UTF-16 code units, not Python indexes (PLATFORMS.md §5.5)."""
    data = text.encode("utf-16-le")
    return data[2 * offset : 2 * (offset + length)].decode("utf-16-le", errors="replace")


def html_to_plain(chunk: str) -> str:
    """The text of an HTML chunk, for the plain-text resend after `can't parse entities` (PLATFORMS.md §5.9)."""
    return html.unescape(_TAG.sub("", chunk))


class TelegramAdapter(Adapter):
    platform = "telegram"
    default_api_base_url = "https://api.telegram.org"
    flavour = "telegram_html"  # HTML needs far less escaping than MarkdownV2 (PLATFORMS.md §5.9)

    @property
    def bot_id(self) -> str:
        explicit = self.option("bot_id", "")
        if explicit:
            return str(explicit)
        token = self.credential("token", required=False)
        return token.split(":", 1)[0] if ":" in token else ""  # a bot token starts with the bot's id

    @property
    def bot_username(self) -> str:
        """The configured @username, else one getMe already taught this process (no network call here)."""
        explicit = str(self.option("bot_username", "") or "").lstrip("@").lower()
        return explicit or self._learned_username(ask=False)

    def _learned_username(self, *, ask: bool) -> str:
        token = self.credential("token", required=False)
        me = (
            telegram_identity.bot_identity(self.api_base_url, token)
            if ask
            else telegram_identity.known(self.api_base_url, token)
        )
        return str((me or {}).get("username") or "").lower()

    def _username_for(self, message: dict[str, Any]) -> str:
        """The username to match mentions against; asks getMe only when a mention needs it (PLATFORMS.md §5.6)."""
        username = self.bot_username
        if username:
            return username
        entities = message.get("entities") or message.get("caption_entities") or []
        if any(isinstance(e, dict) and e.get("type") in ("mention", "bot_command") for e in entities):
            return self._learned_username(ask=True)
        return ""

    def verify(self, body: bytes, headers: Mapping[str, str], now: float | None = None) -> None:
        # No HMAC on Telegram: the secret_token given to setWebhook comes back in this header (PLATFORMS.md §5.2).
        received = headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not received:
            raise VerificationError("missing X-Telegram-Bot-Api-Secret-Token")
        if not same(self.credential("secret_token"), received):
            raise VerificationError("wrong Telegram secret token")

    def _addressed(self, message: dict[str, Any], text: str) -> bool:
        """Mention, command for us, text_mention of us, or a reply to us (PLATFORMS.md §5.6)."""
        username, bot_id = self._username_for(message), self.bot_id
        for entity in message.get("entities") or message.get("caption_entities") or []:
            if not isinstance(entity, dict):
                continue
            piece = utf16_slice(text, int(entity.get("offset", 0)), int(entity.get("length", 0)))
            kind = entity.get("type")
            if kind == "mention" and username and piece.lstrip("@").lower() == username:
                return True
            if kind == "bot_command" and "@" in piece and username and piece.split("@", 1)[1].lower() == username:
                return True
            if kind == "text_mention" and bot_id and str((entity.get("user") or {}).get("id")) == bot_id:
                return True
        replied = (message.get("reply_to_message") or {}).get("from") or {}
        return bool(bot_id and str(replied.get("id")) == bot_id)

    def _clean(self, text: str) -> str:
        if self.bot_username:
            text = re.sub(rf"@{re.escape(self.bot_username)}\b", "", text, flags=re.IGNORECASE)
        return re.sub(r"[ \t]{2,}", " ", text).strip()

    def parse(self, payload: dict[str, Any], headers: Mapping[str, str]) -> list[InboundMessage]:
        update_id = payload.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise MalformedPayload("update_id missing or not an integer")
        key = next((k for k in ("message", "channel_post") if isinstance(payload.get(k), dict)), None)
        if key is None:
            return []  # edited_message, my_chat_member, callback_query…: 200 and ignore (PLATFORMS.md §5.10)
        message = payload[key]
        chat = message.get("chat") or {}
        if "id" not in chat:
            raise MalformedPayload("message without chat.id")
        text = str(message.get("text") or message.get("caption") or "")
        context = CHAT_TYPES.get(str(chat.get("type")), "dm")
        sender = message.get("from") or message.get("sender_chat") or {}  # no `from` in channels
        ignore = ""
        if not text:
            ignore = "message without text"
        elif key == "channel_post" and not self.option("answer_channel_posts", False):
            ignore = "channel posts are not answered (option answer_channel_posts)"
        thread = ""
        if message.get("is_topic_message") or chat.get("is_forum"):
            thread = str(message.get("message_thread_id") or "")  # forum topic = thread (PLATFORMS.md §5.5)
        mentioned = context == "dm" or self._addressed(message, text)  # before _clean: it may learn the username
        return [
            InboundMessage(
                platform=self.platform,
                dedupe_key=f"update:{update_id}",
                message_key=f"msg:{chat['id']}:{message.get('message_id')}",
                chat_id=str(chat["id"]),
                thread_id=thread,
                text=self._clean(text),
                context=context,
                sender_id=str(sender.get("id") or ""),
                sender_name=str(sender.get("username") or sender.get("first_name") or sender.get("title") or ""),
                message_id=str(message.get("message_id") or ""),
                mentioned=mentioned,
                is_bot_echo=bool(self.bot_id and str(sender.get("id")) == self.bot_id),
                ignore_reason=ignore,
                raw=payload,
            )
        ]

    def _call(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = self.post_json(f"{self.api_base_url}/bot{self.credential('token')}/{method}", body)
        return response.status_code, json_or_empty(response)

    @staticmethod
    def _chat(chat_id: str) -> int | str:
        return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id

    def send(self, chunk: str, target: Target) -> Sent:
        body: dict[str, Any] = {
            "chat_id": self._chat(target.chat_id),
            "text": chunk,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        if target.thread_id:
            body["message_thread_id"] = int(target.thread_id)
        if target.reply_to and target.reply_to.isdigit():
            body["reply_parameters"] = {"message_id": int(target.reply_to), "allow_sending_without_reply": True}
        for _ in range(3):
            status, data = self._call("sendMessage", body)
            if data.get("ok"):
                result = data.get("result") or {}
                return Sent(platform_message_id=str(result.get("message_id") or ""), response=data)
            description = str(data.get("description") or f"HTTP {status}")
            parameters = data.get("parameters") or {}
            if "can't parse entities" in description and body.get("parse_mode"):
                body.pop("parse_mode")  # resend the same text as plain text (PLATFORMS.md §5.9)
                body["text"] = html_to_plain(chunk)
                continue
            if parameters.get("migrate_to_chat_id"):
                body["chat_id"] = parameters["migrate_to_chat_id"]  # group upgraded to a supergroup
                continue
            code = int(data.get("error_code") or status or 0)
            if code == 429 or code >= 500 or status >= 500:
                retry = parameters.get("retry_after")
                raise DeliveryError(
                    f"telegram: {description}",
                    permanent=False,
                    retry_after=float(retry) if isinstance(retry, int | float) else None,
                    code=str(code),
                )
            raise DeliveryError(f"telegram: {description}", permanent=True, code=str(code))
        raise DeliveryError("telegram: sendMessage kept failing after fallbacks", permanent=True)

    def _ok(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        status, data = self._call(method, body)
        if not data.get("ok"):
            code = int(data.get("error_code") or status or 0)
            description = str(data.get("description") or f"HTTP {status}")
            raise DeliveryError(f"telegram: {method}: {description}", permanent=code < 500 and code != 429)
        return data

    def post_activity(self, target: Target, text: str) -> str:
        body: dict[str, Any] = {"chat_id": self._chat(target.chat_id), "text": text}
        if target.thread_id:
            body["message_thread_id"] = int(target.thread_id)
        result = self._ok("sendMessage", body).get("result") or {}
        return str(result.get("message_id") or "")

    def edit_activity(self, target: Target, message_id: str, text: str) -> None:
        body = {"chat_id": self._chat(target.chat_id), "message_id": int(message_id), "text": text}
        self._ok("editMessageText", body)

    def delete_activity(self, target: Target, message_id: str) -> None:
        self._ok("deleteMessage", {"chat_id": self._chat(target.chat_id), "message_id": int(message_id)})

    def typing(self, target: Target) -> None:
        body: dict[str, Any] = {"chat_id": self._chat(target.chat_id), "action": "typing"}
        if target.thread_id:
            body["message_thread_id"] = int(target.thread_id)
        with contextlib.suppress(DeliveryError):
            self._call("sendChatAction", body)

    def react(self, target: Target, message_id: str, emoji: str, *, replaces: str = "") -> None:
        # setMessageReaction sets the bot's whole reaction list, so one call replaces the ack (Bot API 7.0); only
        # Telegram's reaction set is accepted, so common ack/done emoji fall back to their nearest member.
        if not message_id.isdigit():
            return
        chosen = REACTION_FALLBACK.get(emoji, emoji)
        body = {
            "chat_id": self._chat(target.chat_id),
            "message_id": int(message_id),
            "reaction": [{"type": "emoji", "emoji": chosen}] if chosen else [],
        }
        status, data = self._call("setMessageReaction", body)
        if not data.get("ok"):
            description = str(data.get("description") or f"HTTP {status}")
            raise DeliveryError(f"telegram: {description}", permanent=status < 500, code=str(status))

    def set_webhook(self, url: str, *, drop_pending: bool = False) -> dict[str, Any]:
        """Register `url` with Telegram, with this instance's secret token (used by `telegram_set_webhook`)."""
        body: dict[str, Any] = {
            "url": url,
            "secret_token": self.credential("secret_token"),
            "allowed_updates": ["message", "edited_message", "channel_post"],
            "drop_pending_updates": drop_pending,
        }
        _, data = self._call("setWebhook", body)
        return data
