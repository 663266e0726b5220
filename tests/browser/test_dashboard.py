"""The dashboard's inbound counter moves when a signed webhook message arrives (pushed over the WebSocket plane)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import requests

from tests.browser.conftest import WEBHOOK_SECRET, login, screenshot
from tests.e2e.processes import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "generic_webhook" / "message_created__with_callback.json"


def signed_webhook(gateway_url: str, text: str) -> requests.Response:
    """POST the generic webhook fixture (fresh id, no callback) signed with X-Signature-256, as a customer would."""
    payload = json.loads(FIXTURE.read_text())
    payload["id"] = f"evt_{uuid.uuid4().hex}"
    payload["message"]["text"] = text
    payload.pop("reply", None)
    body = json.dumps(payload).encode()
    signature = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return requests.post(
        f"{gateway_url}/webhooks/hooks/",
        data=body,
        headers={"Content-Type": "application/json", "X-Signature-256": f"sha256={signature}"},
        timeout=10,
    )


def test_the_inbound_counter_moves_when_a_webhook_message_arrives(page, gateway_url):
    login(page)
    page.goto("/ops/")
    page.wait_for_selector("#live-state:text('live')")
    page.wait_for_function("document.getElementById('inbound-count').textContent.trim() !== '–'")
    before = int(page.inner_text("#inbound-count"))
    screenshot(page, "dashboard-before")

    response = signed_webhook(gateway_url, "Where is my order?")
    assert response.status_code in (200, 202), response.text

    page.wait_for_function(
        f"Number(document.getElementById('inbound-count').textContent) === {before + 1}", timeout=20_000
    )
    assert page.locator("#events tbody tr").count() >= 1  # the live event that triggered the refresh
    assert "webhook" in page.inner_text("#platforms")
    screenshot(page, "dashboard-after-webhook")
