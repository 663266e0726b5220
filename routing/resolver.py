"""Which agent answers a message: the instance's rule for the context, then its `default` rule, then the
provider fallback model.

The fallback is a transient (unsaved) agent with no instructions and an empty model, which the runtime
resolves to ProviderSettings.model; when that is empty too the runtime raises a named error, the event is
recorded as failed, and the user gets no reply (never a silent empty answer).
"""

from __future__ import annotations

from dataclasses import dataclass

from agents_app.models import Agent
from channels_app.models import ChannelInstance
from routing import lookups
from routing.models import RoutingRule


@dataclass(frozen=True)
class Route:
    """The chosen agent and why it was chosen (`rule:dm`, `rule:default`, `fallback`)."""

    agent: Agent
    source: str


def resolve_agent(instance: ChannelInstance, context: str) -> Route:
    """The agent for `context` (dm, group or channel) on `instance`, remembered briefly (routing.lookups)."""
    return lookups.remembered(("route", instance.pk, instance.name, context), lambda: _resolve(instance, context))


def _resolve(instance: ChannelInstance, context: str) -> Route:
    rules = {
        rule.context: rule.agent
        for rule in RoutingRule.objects.filter(instance=instance).select_related("agent")
        if rule.agent.enabled
    }
    for key in (context, RoutingRule.Context.DEFAULT):
        if key in rules:
            return Route(rules[key], f"rule:{key}")
    return Route(Agent(name=f"{instance.name}-fallback", model="", instructions=""), "fallback")
