"""The agent page's "Test agent" button: run one turn with a message the operator types, show the answer (or the
error, naming the model and what is missing) and link the run's trace. Nothing is sent to any channel."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html

from agents_app.models import Agent, AgentRun
from agents_app.runtime import AgentError, run_agent


def test_agent_view(modeladmin: admin.ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    agent = get_object_or_404(Agent, pk=object_id)
    change_url = reverse("admin:agents_app_agent_change", args=[agent.pk])
    if request.method != "POST":
        return HttpResponseRedirect(change_url)
    if not request.user.has_perm("routing.use_web_chat"):
        return HttpResponseForbidden("Testing an agent needs the operator or admin role.")
    message = (request.POST.get("message") or "").strip() or "Hello! Please introduce yourself in one sentence."
    context = {"source": "admin-test", "user": request.user.get_username()}
    try:
        reply = async_to_sync(run_agent)(agent, [], message, context)
    except AgentError as exc:
        messages.error(request, f"Test of '{agent.name}' failed: {exc}")
    else:
        messages.success(request, f"'{agent.name}' answered ({reply.model}): {reply.text}")
    run = AgentRun.objects.filter(agent=agent, context__source="admin-test").order_by("-id").first()
    if run is not None:
        messages.info(request, format_html('Its trace: <a href="/ops/traces/run-{}/">run {}</a>', run.pk, run.pk))
    return HttpResponseRedirect(change_url)
