"""Feedback instead of silence: the short reply a sender gets when a message of theirs will not be answered.

Over `sender_rate_limit` a sender is told `rate_limit_reply` ("You're sending messages too quickly…"); a sender who
is not allowed (allowed_users / allowed_domains / allowed_channels / unknown_user_policy) is told `not_allowed_reply`
(empty by default: silence, so a bot does not reveal itself to strangers). Each at most once per window (60 s) per
sender and instance, so the notice itself cannot become a flood. A blocked user is never told anything.

The notice travels as the event's reply (`payload["feedback"]`): stored, then delivered exactly once by the pipeline
without running the agent.
"""

from __future__ import annotations

from channels_app.adapters import InboundMessage
from channels_app.models import ChannelInstance
from channels_app.webhooks.ratelimit import SlidingWindow

NOT_ALLOWED_REASONS = ("sender not in allowed_users", "chat not in allowed_channels", "unknown user")
_notices = SlidingWindow()


def notice(instance: ChannelInstance, message: InboundMessage, reason: str) -> str:
    """The text to send for this ignore reason, or '' (no notice configured, or one was sent this window)."""
    if reason == "sender rate limit":
        kind, text = "rate", str(instance.option("rate_limit_reply") or "")
    elif reason.startswith(NOT_ALLOWED_REASONS):
        kind, text = "denied", str(instance.option("not_allowed_reply") or "")
    else:
        return ""
    if not text.strip() or not message.sender_id:
        return ""
    allowed, _ = _notices.allow(f"{instance.name}\x00{kind}\x00{message.sender_id}", 1)
    return text.strip() if allowed else ""


def reset() -> None:
    """Forget sent notices (tests)."""
    _notices.reset()
