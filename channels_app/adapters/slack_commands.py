"""Slack slash commands (`/budget-impact hire 3 engineers`): a signed form-encoded POST to the instance's URL.

Verified like events (same v0 signature over the raw form body), acknowledged at once with an empty 200 (Slack's
3-second deadline), and answered through the `response_url` Slack sends with the command, as `in_channel` or
`ephemeral` (option `slash_response_type`). The trigger id is the delivery's dedupe key, so a command Slack
retries is answered once. Which agent answers is the instance's `slash_commands` map (command → agent), else its
routing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from channels_app.adapters.base import InboundMessage, MalformedPayload

SLACK_RESPONSE_HOSTS = {"hooks.slack.com"}  # where Slack's response_url points (api.slack.com/interactivity/handling)


def decode_form(body: bytes) -> dict[str, Any]:
    """A form-encoded Slack body as a dict (slash commands post `command`, `text`, `response_url`, …)."""
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError as exc:
        raise MalformedPayload("form body is not UTF-8") from exc


def is_command(payload: dict[str, Any]) -> bool:
    return isinstance(payload.get("command"), str) and payload["command"].startswith("/")


def parse_command(payload: dict[str, Any], response_type: str) -> InboundMessage:
    for key in ("command", "channel_id", "user_id", "response_url"):
        if not isinstance(payload.get(key), str) or not payload[key]:
            raise MalformedPayload(f"slash command without {key}")
    command, text = payload["command"], str(payload.get("text") or "").strip()
    channel = payload["channel_id"]
    trigger = str(payload.get("trigger_id") or "")
    key = trigger or f"{payload.get('team_id', '')}:{channel}:{payload['user_id']}:{command}:{text}"
    return InboundMessage(
        platform="slack",
        dedupe_key=f"slash:{key}"[:255],
        chat_id=channel,
        text=f"{command} {text}".strip(),
        context="dm" if channel.startswith("D") else "channel",
        sender_id=payload["user_id"],
        sender_name=str(payload.get("user_name") or ""),
        mentioned=True,  # a command is always addressed to the app
        raw=payload,
        reply={"response_url": payload["response_url"], "command": command, "response_type": response_type},
    )


def response_url_allowed(url: str, api_base_url: str) -> bool:
    """Only Slack's own hooks host (or the instance's configured API host, for proxies and tests) gets replies."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return False
    configured = urlsplit(api_base_url).hostname if api_base_url else None
    return parts.hostname in SLACK_RESPONSE_HOSTS or parts.hostname == configured
