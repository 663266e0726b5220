"""Routing: the rule for the context, then `default`, then the provider fallback (a transient agent)."""

from __future__ import annotations

import pytest

from agents_app.models import Agent
from channels_app.models import ChannelInstance
from routing.models import RoutingRule
from routing.resolver import resolve_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance() -> ChannelInstance:
    return ChannelInstance.objects.create(name="tg", platform="telegram", credentials={"token": "x"})


def test_the_context_rule_wins_over_default(instance) -> None:
    dm, default = Agent.objects.create(name="dm-agent"), Agent.objects.create(name="default-agent")
    RoutingRule.objects.create(instance=instance, context="dm", agent=dm)
    RoutingRule.objects.create(instance=instance, context="default", agent=default)
    assert resolve_agent(instance, "dm").agent == dm
    assert resolve_agent(instance, "group").agent == default
    assert resolve_agent(instance, "group").source == "rule:default"


def test_a_disabled_agent_is_skipped_for_default(instance) -> None:
    RoutingRule.objects.create(instance=instance, context="dm", agent=Agent.objects.create(name="off", enabled=False))
    default = Agent.objects.create(name="on")
    RoutingRule.objects.create(instance=instance, context="default", agent=default)
    assert resolve_agent(instance, "dm").agent == default


def test_without_rules_the_provider_fallback_answers_as_a_transient_agent(instance) -> None:
    route = resolve_agent(instance, "channel")
    assert route.source == "fallback"
    assert route.agent.pk is None and route.agent.model == ""
