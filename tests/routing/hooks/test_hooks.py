"""`POST /hooks/<path>` as PraisonAI's `hooks:` describes it: authenticated, deduplicated, answered by the agent and
delivered to `deliver_to` on the fake Telegram server."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from collections.abc import Iterator

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from channels_app.models import ChannelInstance
from routing.hooks.models import Hook, HookRun
from tests.fakes.fake_telegram import FakeTelegram

pytestmark = pytest.mark.django_db(transaction=True)

CONFIG = """
agents:
  inbox:
    instructions: Summarise mail.
    model: echo
channels:
  telegram_main:
    platform: telegram
    token: "7000000001:AAtest-token"
    secret_token: tg-secret
    api_base_url: {url}
    routes: {{default: inbox}}
hooks:
- path: gmail
  agent: inbox
  action: agent
  auth: hook-token-1
  deliver_to: telegram:12345
  message: 'New mail from {{from}}: {{subject}}'
  idempotency_key: '{{message_id}}'
- path: signed
  agent: inbox
  auth: hook-token-1
  secret: shh
  signature_header: X-Hub-Signature-256
  signature_prefix: sha256=
- path: nowhere
  agent: inbox
  auth: hook-token-1
  deliver_to: telegram_main:-100:7
  deliver_only: true
  message: 'Build {{build.id}} {{build.status}}'
"""
MAIL = {"message_id": "m-1", "from": "ana@example.com", "subject": "Invoice"}


@pytest.fixture
def telegram(tmp_path) -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        path = tmp_path / "gateway.yaml"
        path.write_text(CONFIG.format(url=fake.url))
        call_command("import_gateway_yaml", str(path), stdout=io.StringIO(), stderr=io.StringIO())
        yield fake


def post(path: str, payload: object, token: str | None = "hook-token-1", **headers: str):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return Client().post(f"/hooks/{path}", body, content_type="application/json", headers=headers)


def test_a_hook_runs_its_agent_on_the_rendered_payload_and_delivers_the_answer(telegram: FakeTelegram) -> None:
    response = post("gmail", MAIL)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["ok"] is True and answer["reply"] == "New mail from ana@example.com: Invoice"
    assert answer["delivered_to"] == "telegram_main:12345"
    [sent] = telegram.messages()
    assert sent.json["chat_id"] in (12345, "12345") and sent.json["text"] == "New mail from ana@example.com: Invoice"
    assert HookRun.objects.get().status == "done"


def test_a_redelivered_payload_is_answered_deduplicated_and_sent_once(telegram: FakeTelegram) -> None:
    assert post("gmail", MAIL).status_code == 200
    again = post("gmail", MAIL)
    assert again.status_code == 200 and again.json() == {"ok": True, "deduplicated": True}
    assert len(telegram.messages()) == 1


@pytest.mark.parametrize(("token", "status"), [(None, 401), ("wrong", 403)], ids=["no-token", "wrong-token"])
def test_a_caller_without_the_hook_token_is_refused_and_nothing_runs(telegram, token, status) -> None:
    assert post("gmail", MAIL, token=token).status_code == status
    assert not HookRun.objects.exists() and telegram.messages() == []


def test_an_unknown_or_disabled_hook_is_404(telegram: FakeTelegram) -> None:
    assert post("nope", MAIL).status_code == 404
    Hook.objects.filter(path="gmail").update(enabled=False)
    assert post("gmail", MAIL).status_code == 404


def test_a_body_that_is_not_json_is_400(telegram: FakeTelegram) -> None:
    assert post("gmail", b"{not json").status_code == 400


def test_a_signed_hook_refuses_a_bad_signature_and_accepts_the_right_one(telegram: FakeTelegram) -> None:
    body = json.dumps({"x": 1}).encode()
    assert post("signed", body, **{"X-Hub-Signature-256": "sha256=00"}).status_code == 401
    good = "sha256=" + hmac.new(b"shh", body, hashlib.sha256).hexdigest()
    response = post("signed", body, **{"X-Hub-Signature-256": good})
    assert response.status_code == 200 and json.loads(response.json()["reply"]) == {"x": 1}


def test_deliver_only_sends_the_rendered_message_to_an_instance_chat_and_thread(telegram: FakeTelegram) -> None:
    response = post("nowhere", {"build": {"id": 7, "status": "green"}})
    assert response.status_code == 200
    [sent] = telegram.messages()
    assert sent.json["text"] == "Build 7 green" and sent.json["message_thread_id"] in (7, "7")


def test_a_failed_delivery_is_502_and_the_same_payload_runs_again_once_fixed(telegram: FakeTelegram) -> None:
    ChannelInstance.objects.filter(name="telegram_main").update(enabled=False)
    failed = post("gmail", MAIL)
    assert failed.status_code == 502 and "telegram" in failed.json()["error"]
    ChannelInstance.objects.filter(name="telegram_main").update(enabled=True)
    assert post("gmail", MAIL).status_code == 200
    assert len(telegram.messages()) == 1


def test_without_its_own_token_a_hook_takes_the_gateway_auth_token(telegram: FakeTelegram) -> None:
    from channels_app.models import GatewaySettings

    settings = GatewaySettings.load()
    settings.auth_token = "gw-operator-token"
    settings.save()
    Hook.objects.filter(path="gmail").update(auth="")
    assert post("gmail", MAIL, token="hook-token-1").status_code == 403
    assert post("gmail", MAIL, token="gw-operator-token").status_code == 200


def test_an_export_writes_hooks_back_with_their_secrets_as_references(telegram: FakeTelegram) -> None:
    out = io.StringIO()
    call_command("export_gateway_yaml", stdout=out)
    hooks = {hook["path"]: hook for hook in yaml.safe_load(out.getvalue())["hooks"]}
    assert hooks["gmail"] == {
        "path": "gmail",
        "agent": "inbox",
        "auth": "${GATEWAY_HOOK_GMAIL_AUTH}",
        "deliver_to": "telegram:12345",
        "message": "New mail from {from}: {subject}",
        "idempotency_key": "{message_id}",
    }
    assert hooks["signed"]["secret"] == "${GATEWAY_HOOK_SIGNED_SECRET}"


def test_a_body_over_the_size_limit_is_413_and_nothing_runs(telegram: FakeTelegram, settings) -> None:
    settings.GATEWAY_MAX_BODY_BYTES = 64
    assert post("gmail", {**MAIL, "body": "x" * 200}).status_code == 413
    assert not HookRun.objects.exists()


def test_a_write_token_from_gateway_auth_tokens_opens_a_hook_without_its_own_token(
    telegram: FakeTelegram, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("OPS_TOKEN", "ops-token-from-yaml")
    path = tmp_path / "auth.yaml"
    path.write_text("gateway:\n  auth:\n    tokens:\n      - token: ${OPS_TOKEN}\n        scopes: [read, write]\n")
    call_command("import_gateway_yaml", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    Hook.objects.filter(path="gmail").update(auth="")
    assert post("gmail", MAIL, token="ops-token-from-yaml").status_code == 200
