"""Ack and done reactions (PraisonAI's ack_emoji / done_emoji / ack_scope): a reaction on the user's message while
the agent works, replaced by the done emoji once the answer is delivered (removed if it failed).

Reactions are a courtesy: a platform error is logged and never stops or delays the reply.
"""

from __future__ import annotations

import logging

from channels_app.adapters.base import Adapter, InboundMessage

log = logging.getLogger(__name__)


def should_ack(options: dict, message: InboundMessage) -> bool:
    """Whether this answered message gets the ack reaction under the instance's ack_scope (default group-mentions).

    Only messages the gateway answers reach here, so group-all and all both mean every answered message.
    """
    if not options.get("ack_emoji") or not message.message_id:
        return False
    scope = str(options.get("ack_scope") or "group-mentions")
    direct = message.context == "dm"
    if scope == "off":
        return False
    if scope == "direct":
        return direct
    if scope == "group-mentions":
        return direct or message.mentioned
    return True  # group-all, all


def ack_start(adapter: Adapter, message: InboundMessage, options: dict) -> str:
    """React with ack_emoji when the scope allows; returns the emoji put on ('' when none)."""
    if not should_ack(options, message):
        return ""
    emoji = str(options["ack_emoji"])
    try:
        adapter.react(adapter.target_for(message), message.message_id, emoji)
    except Exception as exc:  # best effort by contract
        log.info("ack reaction on %s %s failed: %s", message.platform, message.message_id, exc)
        return ""
    return emoji


def ack_finish(adapter: Adapter, message: InboundMessage, options: dict, acked: str, *, delivered: bool) -> None:
    """Replace the ack with done_emoji after a delivered answer, or just take it off after a failure."""
    if not acked:
        return
    done = str(options.get("done_emoji") or "") if delivered else ""
    try:
        adapter.react(adapter.target_for(message), message.message_id, done, replaces=acked)
    except Exception as exc:  # best effort by contract
        log.info("done reaction on %s %s failed: %s", message.platform, message.message_id, exc)
