"""What would stop an agent from answering, found without calling its model: for the admin, the API and start-up.

Same rules as a real run (model routing, key resolution, tool loading), so "ready" here means a run will reach the
model; it cannot know whether the key is accepted or the endpoint is up.
"""

from __future__ import annotations

from agents_app.models import Agent, ProviderSettings
from agents_app.runtime.providers.selection import RouteError, route_model
from agents_app.tools.registry import tool_problem


def agent_problems(agent: Agent, fallback_model: str | None = None) -> list[str]:
    """Plain-language problems of `agent` (empty when it can run). Synchronous: reads ProviderSettings when needed."""
    problems: list[str] = []
    if not agent.enabled:
        problems.append("the agent is disabled")
    model = (agent.model or "").strip()
    if not model:
        model = (fallback_model if fallback_model is not None else ProviderSettings.load().model or "").strip()
        if not model:
            problems.append("no model, and no provider fallback model is set")
    if model:
        try:
            route_model(model, base_url=agent.base_url or "", api_key=agent.api_key or "")
        except RouteError as exc:
            problems.append(f"model {model!r}: {exc.detail}")
    for name in agent.tools or []:
        problem = tool_problem(str(name))
        if problem:
            problems.append(problem)
    return problems
