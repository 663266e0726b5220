"""Slack Events API over HTTP: v0 signatures, url_verification, message/app_mention, chat.postMessage."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from channels_app.adapters import slack_commands
from channels_app.adapters.base import (
    Adapter,
    DeliveryError,
    HttpReply,
    InboundMessage,
    Sent,
    Target,
    VerificationError,
    json_or_empty,
    retry_after_seconds,
)
from channels_app.adapters.shapes import items
from channels_app.adapters.signing import fresh, hmac_hex, same

REPLAY_WINDOW = 300  # Slack v0: reject timestamps more than 5 minutes off (PLATFORMS.md §3.3)
ANSWERED_SUBTYPES = {None, "thread_broadcast", "file_share"}
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
CHANNEL_TYPES = {"im": "dm", "app_home": "dm", "mpim": "group", "group": "group", "channel": "channel"}
# Slack reactions take emoji names; the unicode ack/done emoji PraisonAI configs use, by name.
EMOJI_NAMES = {
    "⏳": "hourglass_flowing_sand",
    "⌛": "hourglass",
    "✅": "white_check_mark",
    "✔️": "heavy_check_mark",
    "👀": "eyes",
    "👍": "+1",
    "👎": "-1",
    "❌": "x",
    "🤔": "thinking_face",
    "🔄": "arrows_counterclockwise",
    "⚙️": "gear",
    "🎉": "tada",
}
_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]*))?>")
_USER = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def plain_text(text: str, bot_user_id: str) -> str:
    """Slack mrkdwn → plain text for the agent: our own mention removed, links spelled out, &<> unescaped."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>\s*", "", text)
    text = _LINK.sub(lambda m: m.group(1) if not m.group(2) else f"{m.group(2)} ({m.group(1)})", text)
    text = _USER.sub(lambda m: f"@{m.group(1)}", text)
    # Slack escapes exactly &, <, > in inbound text (PLATFORMS.md §3.9).
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


class SlackAdapter(Adapter):
    platform = "slack"
    default_api_base_url = "https://slack.com/api"
    flavour = "slack"
    malformed_headers = {"X-Slack-No-Retry": "1"}

    def verify(self, body: bytes, headers: Mapping[str, str], now: float | None = None) -> None:
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        if not timestamp or not signature:
            raise VerificationError("missing Slack signature headers")
        if not fresh(timestamp, REPLAY_WINDOW, now):
            raise VerificationError("stale or malformed Slack timestamp")
        base = b"v0:" + timestamp.strip().encode() + b":" + body
        secrets = [self.credential("signing_secret")]
        previous = self.credential("signing_secret_previous", required=False)
        if previous:
            secrets.append(previous)  # two active secrets during rotation (PLATFORMS.md §2.4)
        if not any(same("v0=" + hmac_hex(secret, base), signature) for secret in secrets):
            raise VerificationError("Slack signature mismatch")

    def handshake(self, payload: dict[str, Any]) -> HttpReply | None:
        if payload.get("type") == "url_verification":
            return HttpReply(200, str(payload.get("challenge", "")), "text/plain")
        return None

    def _bot_identity(self, payload: dict[str, Any]) -> tuple[str, str]:
        user_id = self.option("bot_user_id", "") or ""
        bot_id = self.option("bot_id", "") or ""
        for auth in items(payload.get("authorizations"), "authorizations"):
            if isinstance(auth, dict) and auth.get("is_bot") and not user_id:
                user_id = str(auth.get("user_id") or "")
        return user_id, bot_id

    def decode_form(self, body: bytes) -> dict[str, Any]:
        """Slash commands arrive form-encoded (events are JSON); the webhook view asks the adapter to decode them."""
        return slack_commands.decode_form(body)

    def target_for(self, message: InboundMessage) -> Target:
        target = super().target_for(message)
        if message.reply.get("response_url"):
            target.extra = dict(message.reply)  # a slash command is answered at its response_url
        return target

    def parse(self, payload: dict[str, Any], headers: Mapping[str, str]) -> list[InboundMessage]:
        if slack_commands.is_command(payload):
            response_type = str(self.option("slash_response_type", "in_channel") or "in_channel")
            return [slack_commands.parse_command(payload, response_type)]
        if payload.get("type") != "event_callback" or not isinstance(payload.get("event"), dict):
            return []  # app_rate_limited and unknown envelope types: 200 and ignore (PLATFORMS.md §3.10)
        app_id = self.option("app_id", "")
        if app_id and payload.get("api_app_id") != app_id:
            return []  # a foreign app's event: 200 and drop
        event = payload["event"]
        kind = event.get("type")
        if kind not in ("message", "app_mention") or not event.get("channel") or not event.get("ts"):
            return []
        bot_user_id, bot_id = self._bot_identity(payload)
        team = str(payload.get("team_id") or event.get("team") or "")
        channel = str(event["channel"])
        ts = str(event["ts"])
        ignore = ""
        if kind == "message" and event.get("subtype") not in ANSWERED_SUBTYPES:
            ignore = f"message subtype {event.get('subtype')}"
        is_echo = bool(
            (bot_id and event.get("bot_id") == bot_id)
            or (bot_user_id and event.get("user") == bot_user_id)
            # Other bots are not answered by default: two agents answering each other loop forever.
            or (event.get("bot_id") and not self.option("answer_other_bots", False))
        )
        if kind == "app_mention":
            context = {"D": "dm", "G": "group"}.get(channel[:1], "channel")
        else:
            context = CHANNEL_TYPES.get(str(event.get("channel_type")), "channel")
        text = str(event.get("text") or "")
        mentioned = kind == "app_mention" or bool(bot_user_id and f"<@{bot_user_id}" in text)
        thread_ts = str(event.get("thread_ts") or "")
        # Threading: conversation key thread_ts or ts; a DM outside a thread is one conversation (PLATFORMS.md §3.4).
        thread_id = "" if context == "dm" and not thread_ts else thread_ts or ts
        return [
            InboundMessage(
                platform=self.platform,
                dedupe_key=f"event:{payload.get('event_id') or team + ':' + channel + ':' + ts}",
                # app_mention and message for one human message share (team, channel, ts) (PLATFORMS.md §3.4).
                message_key=f"msg:{team}:{channel}:{ts}",
                chat_id=channel,
                thread_id=thread_id,
                text=plain_text(text, bot_user_id),
                context=context,
                sender_id=str(event.get("user") or event.get("bot_id") or ""),
                message_id=ts,
                mentioned=mentioned,
                is_bot_echo=is_echo,
                ignore_reason=ignore,
                raw=payload,
            )
        ]

    def react(self, target: Target, message_id: str, emoji: str, *, replaces: str = "") -> None:
        # reactions.add / reactions.remove name the message by channel + ts; the names come without colons.
        for method, value in (("reactions.add", emoji), ("reactions.remove", replaces)):
            if not value or not message_id:
                continue
            name = EMOJI_NAMES.get(value, value.strip(":"))
            response = self.post_json(
                f"{self.api_base_url}/{method}",
                {"channel": target.chat_id, "timestamp": message_id, "name": name},
                {
                    "Authorization": f"Bearer {self.credential('token')}",
                    "Content-Type": "application/json; charset=utf-8",
                },
            )
            error = str(json_or_empty(response).get("error") or "")
            if response.status_code != 200 or (error and error not in ("already_reacted", "no_reaction")):
                code = error or str(response.status_code)
                raise DeliveryError(f"slack: {method}: {code}", permanent=code not in TRANSIENT_ERRORS, code=code)

    def _web_api(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.post_json(
            f"{self.api_base_url}/{method}",
            body,
            {"Authorization": f"Bearer {self.credential('token')}", "Content-Type": "application/json; charset=utf-8"},
        )
        data = json_or_empty(response)
        if response.status_code != 200 or not data.get("ok"):
            code = str(data.get("error") or response.status_code)
            raise DeliveryError(f"slack: {method}: {code}", permanent=code not in TRANSIENT_ERRORS, code=code)
        return data

    def post_activity(self, target: Target, text: str) -> str:
        if target.extra.get("response_url"):
            return ""  # a slash command has no channel message of ours to edit
        body: dict[str, Any] = {"channel": target.chat_id, "text": f"_{text}_"}
        if target.thread_id:
            body["thread_ts"] = target.thread_id
        return str(self._web_api("chat.postMessage", body).get("ts") or "")

    def edit_activity(self, target: Target, message_id: str, text: str) -> None:
        self._web_api("chat.update", {"channel": target.chat_id, "ts": message_id, "text": f"_{text}_"})

    def delete_activity(self, target: Target, message_id: str) -> None:
        self._web_api("chat.delete", {"channel": target.chat_id, "ts": message_id})

    def _respond(self, chunk: str, target: Target) -> Sent:
        """Answer a slash command at its response_url (no token: the URL itself is the credential)."""
        url = str(target.extra["response_url"])
        if not slack_commands.response_url_allowed(url, self.instance.api_base_url):
            raise DeliveryError("slack: response_url is not a Slack hooks URL", permanent=True, code="bad_response_url")
        response_type = target.extra.get("response_type") or "in_channel"
        response = self.post_json(url, {"response_type": response_type, "text": chunk})
        if response.status_code == 429 or response.status_code >= 500:
            raise DeliveryError(f"slack: response_url HTTP {response.status_code}", permanent=False)
        if response.status_code != 200:
            code = str(response.status_code)
            raise DeliveryError(f"slack: response_url HTTP {code}", permanent=True, code=code)
        return Sent(platform_message_id=str(target.extra.get("delivery_id") or ""), response={"status": 200})

    def send(self, chunk: str, target: Target) -> Sent:
        if target.extra.get("response_url"):
            return self._respond(chunk, target)
        body: dict[str, Any] = {"channel": target.chat_id, "text": chunk, "unfurl_links": False, "unfurl_media": False}
        if target.thread_id:
            body["thread_ts"] = target.thread_id
        response = self.post_json(
            f"{self.api_base_url}/chat.postMessage",
            body,
            {"Authorization": f"Bearer {self.credential('token')}", "Content-Type": "application/json; charset=utf-8"},
        )
        data = json_or_empty(response)
        if response.status_code == 429:
            raise DeliveryError(
                "slack: ratelimited",
                permanent=False,
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
                code="ratelimited",
            )
        if response.status_code >= 500:
            raise DeliveryError(f"slack: HTTP {response.status_code}", permanent=False, code=str(response.status_code))
        # Slack reports failures as HTTP 200 with ok=false (PLATFORMS.md §3.7).
        if response.status_code != 200 or not data.get("ok"):
            error = str(data.get("error") or f"HTTP {response.status_code}")
            raise DeliveryError(f"slack: {error}", permanent=error not in TRANSIENT_ERRORS, code=error)
        return Sent(platform_message_id=str(data.get("ts") or ""), response=data)
