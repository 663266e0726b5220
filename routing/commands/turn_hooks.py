"""What the channel pipeline asks around one turn, so commands and feedback stay out of the turn service itself.

Before the agent: a feedback notice (rate limit, not allowed) or a session command answers without it. Which agent:
a Slack slash command's mapped agent, else the routing. While it runs: tool activity in the chat. After it: a
background task's result or failure becomes its notification (or nothing, per background_notification_level).
"""

from __future__ import annotations

from agents_app.models import Agent
from channels_app.activity import ToolActivity
from channels_app.adapters import Adapter, InboundMessage, Target
from channels_app.models import ChannelInstance, InboundEvent
from routing.commands import background, session, slash
from routing.models import Session


def canned_reply(event: InboundEvent, instance: ChannelInstance, message: InboundMessage, chat: Session) -> str | None:
    """The reply that replaces the agent's for this event (feedback notice, command confirmation), else None."""
    notice = (event.payload or {}).get("feedback")
    if notice:
        return str(notice)
    if background.is_background(event):
        background.wait_for_parent(event)
        return None
    return session.handle(event, instance, message.text, chat)


def agent_for(instance: ChannelInstance, message: InboundMessage, routed: Agent) -> Agent:
    return slash.agent_for(instance, message) or routed


def activity_for(
    adapter: Adapter, target: Target, instance: ChannelInstance, agent: Agent, event: InboundEvent
) -> ToolActivity | None:
    """Tool activity for agents that can use tools (others keep the non-streaming path), unless turned off; a
    background task shows it only at notification level `all`."""
    if not instance.option("tool_activity") or not (agent.tools or agent.delegates):
        return None
    if background.is_background(event) and background.level(event) != "all":
        return None
    return ToolActivity(adapter, target)


def result_text(event: InboundEvent, text: str) -> str | None:
    """What to deliver for an answer: itself, or a background task's notification (None: nothing)."""
    return background.result_note(event, text) if background.is_background(event) else text


def failure_text(event: InboundEvent, error: str) -> str | None:
    """What to deliver when the agent failed: a background task's failure note, else None (the event fails)."""
    return background.failure_note(event, error) if background.is_background(event) else None
