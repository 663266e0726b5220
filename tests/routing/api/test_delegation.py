"""Delegation through the REST API and the admin: `delegates` is configurable like any agent field, and a
coordinator's run shows the sub-agent runs it delegated to (and each of them its parent)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model

from agents_app.models import Agent, AgentRun
from agents_app.runtime import run_agent
from tests.fakes.fake_openai import FakeOpenAI, Reply

pytestmark = pytest.mark.django_db


def make(name: str, base_url: str, **fields: object) -> Agent:
    return Agent.objects.create(name=name, model="gpt-4o-mini", base_url=base_url, instructions=name, **fields)


def coordinate() -> AgentRun:
    """Coordinator → analyst + recruiter → synthesis, through the fake OpenAI server; returns the parent run."""
    with FakeOpenAI() as server:
        make("analyst", server.base_url)
        make("recruiter", server.base_url)
        boss = make("coordinator", server.base_url, delegates=["analyst", "recruiter"])
        server.script(
            Reply(tool_calls=[("ask_analyst", {"task": "cost?"}), ("ask_recruiter", {"task": "time?"})]),
            Reply(text="$600k"),
            Reply(text="10 weeks"),
            Reply(text="$600k and 10 weeks"),
        )
        async_to_sync(run_agent)(boss, [], "hire 3 engineers")
    return AgentRun.objects.get(agent_name="coordinator")


def test_delegates_are_set_through_the_api_and_must_name_other_agents(api) -> None:
    Agent.objects.create(name="analyst", model="echo")
    created = api.post("/api/v1/agents/", {"name": "boss", "model": "echo", "delegates": ["analyst"]}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["delegates"] == ["analyst"]
    assert Agent.objects.get(name="boss").delegates == ["analyst"]
    unknown = api.patch("/api/v1/agents/boss/", {"delegates": ["nobody"]}, format="json")
    assert unknown.status_code == 400 and "unknown agent 'nobody'" in str(unknown.json())
    itself = api.patch("/api/v1/agents/boss/", {"delegates": ["boss"]}, format="json")
    assert itself.status_code == 400 and "itself" in str(itself.json())


def test_the_api_shows_a_coordinators_child_runs_and_each_childs_parent(api) -> None:
    parent = coordinate()
    run = api.get(f"/api/v1/agent-runs/{parent.pk}/").json()
    children = api.get("/api/v1/agent-runs/", {"parent": parent.pk}).json()
    rows = children["results"] if isinstance(children, dict) else children
    assert sorted(r["agent_name"] for r in rows) == ["analyst", "recruiter"]
    assert sorted(run["children"]) == sorted(r["id"] for r in rows)
    assert all(r["parent"] == parent.pk for r in rows)


def test_the_admin_links_parent_and_child_runs_and_offers_delegates_as_a_multi_select(client) -> None:
    parent = coordinate()
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-123")
    client.force_login(admin)
    page = client.get(f"/admin/agents_app/agentrun/{parent.pk}/change/").content.decode()
    for child in parent.children.all():
        assert (
            f"/admin/agents_app/agentrun/{child.pk}/change/" in page and f"{child.agent_name} run #{child.pk}" in page
        )
    child = parent.children.first()
    child_page = client.get(f"/admin/agents_app/agentrun/{child.pk}/change/").content.decode()
    assert f"coordinator run #{parent.pk}" in child_page
    boss = Agent.objects.get(name="coordinator")
    form = client.get(f"/admin/agents_app/agent/{boss.pk}/change/").content.decode()
    assert 'name="delegates" value="analyst"' in form and 'name="delegates" value="coordinator"' not in form
