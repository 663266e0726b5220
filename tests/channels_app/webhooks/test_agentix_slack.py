"""An Agentix user's setup, unchanged: their `.agentix/gateway.yaml` imported as is, their Slack app still posting to
`/webhook/slack`, and the answer arriving once at (fake) Slack from the model their YAML names (fake OpenAI)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from agents_app.models import Agent
from channels_app.models import ChannelInstance, InboundEvent
from tests.channels_app.support import SLACK_SECRET, body_of, django_headers, fixture, slack_headers
from tests.fakes.fake_openai import FakeOpenAI, Reply

pytestmark = pytest.mark.usefixtures("fast_pipeline")

AGENTIX_YAML = """\
agent:
  name: support-agent
  provider: openai
  model: gpt-4o-mini
  system_prompt: You are a helpful support agent.
  max_iterations: 8
  llm_options:
    base_url: {base_url}
gateway:
  host: 0.0.0.0
  port: 8080
  session_ttl: 3600
channels:
  slack:
    adapter: slack
    bot_token: ${{SLACK_BOT_TOKEN}}
    signing_secret: ${{SLACK_SIGNING_SECRET}}
    auth:
      allowed_users: [U0ALICE001]
middleware:
  - type: rate_limit
    requests_per_minute: 20
"""


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def test_an_agentix_slack_config_answers_a_signed_delivery_to_webhook_slack_once(
    client, transactional_db, fake_slack, fake_openai, idle, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-agentix-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SLACK_SECRET)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    path = tmp_path / "gateway.yaml"
    path.write_text(AGENTIX_YAML.format(base_url=fake_openai.base_url))
    call_command("import_gateway_yaml", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    # The one thing an operator adds for a test: where "Slack" is (the fake on 127.0.0.1).
    ChannelInstance.objects.filter(name="slack").update(api_base_url=fake_slack.url)
    fake_openai.script(Reply(text="Here is the **Q3 summary**."))

    body = body_of(fixture("slack", "message__im"))
    response = client.post(
        "/webhook/slack", body, content_type="application/json", **django_headers(slack_headers(body))
    )
    assert response.status_code == 200 and response["X-Gateway-Instance"] == "slack"
    idle()

    [request] = fake_slack.posts()
    assert request.header("Authorization") == "Bearer xoxb-agentix-token"
    assert request.json["channel"] == "D0ALICEBOT1"
    assert request.json["text"] == "Here is the *Q3 summary*."
    [model_call] = fake_openai.requests
    assert model_call.body["messages"][0] == {"role": "system", "content": "You are a helpful support agent."}
    assert Agent.objects.get().memory is True
    assert InboundEvent.objects.get().status == "done"
