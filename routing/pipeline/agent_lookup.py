"""Which agent answers a WebSocket session, remembered for a few seconds so a turn does not query it every time.

A hello and every turn need the agent (by name, or the websocket instance's default route). Those rows change rarely,
so the answer is kept for GATEWAY_WS_AGENT_CACHE_TTL seconds (default 2). Saving or deleting an Agent, a RoutingRule
or a ChannelInstance in this process clears the cache at once; other processes see the change within the TTL.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from agents_app.models import Agent
from channels_app.models import ChannelInstance
from gatewaysite import fastsql
from gatewaysite.ttl_cache import MISS, TTLCache
from routing.models import RoutingRule

_DEFAULT = ""  # cache key of "no agent named: the websocket instance's default rule"
_cache: TTLCache[Agent | None] = TTLCache(lambda: settings.GATEWAY_WS_AGENT_CACHE_TTL)

__all__ = ["MISS", "cached", "clear", "enabled_agent", "ttl"]


def ttl() -> float:
    return _cache.ttl()


def _query(agent_id: str) -> Agent | None:
    if agent_id:  # one fixed statement (gatewaysite/fastsql.py): a queryset here was 4 % of a WebSocket turn's CPU
        agent = fastsql.select_one(Agent, "name", agent_id)
        return agent if agent is not None and agent.enabled else None
    rule = (
        RoutingRule.objects.filter(
            instance__platform="websocket", instance__enabled=True, context=RoutingRule.Context.DEFAULT
        )
        .select_related("agent")
        .first()
    )
    return rule.agent if rule and rule.agent.enabled else None


def cached(agent_id: str) -> Agent | None | object:
    """The fresh cached answer for `agent_id`, or MISS (then ask `enabled_agent` inside a database hop)."""
    return _cache.peek(agent_id or _DEFAULT)


def enabled_agent(agent_id: str) -> Agent | None:
    """The enabled agent named `agent_id` ("" → the websocket default route); None when unknown or disabled.

    Sync (call it inside a database hop). The returned instance is shared: read it, never modify it.
    """
    return _cache.get(agent_id or _DEFAULT, lambda: _query(agent_id))


def clear(**_: object) -> None:
    _cache.clear()


for _model in (Agent, RoutingRule, ChannelInstance):
    post_save.connect(clear, sender=_model, dispatch_uid=f"agent_lookup.clear.save.{_model.__name__}")
    post_delete.connect(clear, sender=_model, dispatch_uid=f"agent_lookup.clear.delete.{_model.__name__}")
