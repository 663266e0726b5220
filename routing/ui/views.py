"""The operator pages: staff only (the admin's login), each given a WebSocket token minted for this page load."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agents_app.models import Agent, Guardrail
from console_app.access import role_required
from console_app.roles import OPERATOR, VIEWER
from routing.ui.ws_token import ops_token_for


@role_required(VIEWER)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Live counters and health; the numbers come from /api/v1/status, refreshed on every WebSocket event."""
    return render(request, "ops/dashboard.html", {"ws_token": ops_token_for(request.user), "active": "dashboard"})


@role_required(OPERATOR)
def chat(request: HttpRequest) -> HttpResponse:
    """Talk to any enabled agent over the WebSocket protocol (streaming, session resume after a reload)."""
    agents = list(Agent.objects.filter(enabled=True).values_list("name", flat=True))
    selected = request.GET.get("agent") if request.GET.get("agent") in agents else (agents[0] if agents else "")
    return render(
        request,
        "ops/chat.html",
        {
            "ws_token": ops_token_for(request.user),
            "agents": agents,
            "selected": selected,
            "active": "chat",
            "guarded": guarded_agents(agents),
        },
    )


def guarded_agents(names: list[str]) -> list[str]:
    """Agents whose replies a guardrail judge checks before they are shown (so the page can say what it waits for)."""
    rules = Guardrail.objects.filter(enabled=True)
    if rules.filter(agent__isnull=True).exists():
        return list(names)
    return sorted(set(rules.filter(agent__name__in=names).values_list("agent__name", flat=True)))
