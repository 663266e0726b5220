"""Which agent answers a Slack slash command: the instance's `slash_commands` map, else its routing rules."""

from __future__ import annotations

from agents_app.models import Agent
from channels_app.adapters import InboundMessage
from channels_app.models import ChannelInstance


def agent_for(instance: ChannelInstance, message: InboundMessage) -> Agent | None:
    """The enabled agent the instance maps this command to; None for ordinary messages and unmapped commands."""
    command = str((message.reply or {}).get("command") or "")
    if not command:
        return None
    mapping = instance.option("slash_commands") or {}
    name = mapping.get(command) or mapping.get(command.lstrip("/"))
    if not name:
        return None
    return Agent.objects.filter(name=str(name), enabled=True).first()
