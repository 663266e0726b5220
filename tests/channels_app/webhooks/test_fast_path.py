"""The ASGI fast path: webhook URLs reach the view without the middleware chain; everything else reaches Django."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from channels_app.models import InboundEvent
from channels_app.webhooks.asgi import WebhookFastPath
from channels_app.webhooks.ingress import gauge
from tests.channels_app.support import body_of, fixture, slack_headers

pytestmark = pytest.mark.usefixtures("fast_pipeline")


class Inner:
    """Stands in for Django's ASGI application and records what reached it."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope, receive, send) -> None:
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def call(
    app, path: str, body: bytes = b"", headers: dict[str, str] | None = None, *, method: str = "POST", chunks: int = 1
) -> dict[str, Any]:
    """Drive `app` as an ASGI server would; the body arrives in `chunks` parts; returns status, headers, body."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    size = max(1, len(body) // chunks + 1)
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    messages = [{"type": "http.request", "body": p, "more_body": i < len(parts) - 1} for i, p in enumerate(parts)]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    if not sent:
        return {"status": None, "headers": {}, "body": b""}
    return {
        "status": sent[0]["status"],
        "headers": {k.decode().lower(): v.decode() for k, v in sent[0]["headers"]},
        "body": b"".join(m.get("body", b"") for m in sent[1:]),
    }


@pytest.fixture
def slack(make_instance, fake_slack):
    return make_instance("slack", fake_slack.url)


async def test_a_signed_delivery_is_stored_and_acknowledged_without_django(slack, fake_slack, idle) -> None:
    inner = Inner()
    body = body_of(fixture("slack", "message__im"))
    answer = await call(WebhookFastPath(inner), f"/webhooks/{slack.name}/", body, slack_headers(body))
    assert answer["status"] == 200 and answer["headers"]["content-length"] == str(len(answer["body"]))
    assert inner.paths == []
    await sync_to_async(idle)()
    assert await InboundEvent.objects.acount() == 1
    assert len(fake_slack.posts()) == 1


async def test_a_request_counts_as_in_flight_until_its_answer_is_sent(slack) -> None:
    seen: list[int] = []

    async def receive() -> dict:
        seen.append(gauge.in_flight)
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict) -> None:
        seen.append(gauge.in_flight)

    scope = {"type": "http", "method": "POST", "path": "/webhooks/nope/", "headers": [], "query_string": b""}
    await WebhookFastPath(Inner())(scope, receive, send)
    assert seen == [1, 1, 1] and gauge.in_flight == 0


async def test_other_paths_and_a_missing_slash_go_to_django(slack) -> None:
    inner = Inner()
    app = WebhookFastPath(inner)
    for path in ("/admin/", f"/webhooks/{slack.name}", "/api/health"):
        assert (await call(app, path, method="GET"))["status"] == 204
    assert inner.paths == ["/admin/", f"/webhooks/{slack.name}", "/api/health"]


async def test_an_unknown_instance_is_404_with_the_one_body(slack) -> None:
    answer = await call(WebhookFastPath(Inner()), "/webhooks/nope/", b"{}")
    assert answer["status"] == 404 and json.loads(answer["body"]) == {"error": "not found"}


async def test_an_oversize_chunked_body_is_413_and_not_stored(slack, settings) -> None:
    settings.GATEWAY_MAX_BODY_BYTES = 1000
    payload = fixture("slack", "message__im")
    payload["event"]["text"] = "x" * 5000
    body = body_of(payload)
    # No Content-Length header: the size shows only while the body streams in.
    answer = await call(WebhookFastPath(Inner()), f"/webhooks/{slack.name}/", body, slack_headers(body), chunks=4)
    assert answer["status"] == 413
    assert await InboundEvent.objects.acount() == 0


async def test_a_client_gone_before_its_body_ends_gets_nothing_and_nothing_is_stored(slack) -> None:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": f"/webhooks/{slack.name}/", "headers": [], "query_string": b""}
    await WebhookFastPath(Inner())(scope, receive, send)
    assert sent == []
    assert await InboundEvent.objects.acount() == 0
