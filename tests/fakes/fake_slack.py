"""Fake Slack Web API on 127.0.0.1: `chat.postMessage` answers like Slack (ok + ts), unless scripted
(429 with Retry-After, HTTP 200 with ok=false…); `chat.update` / `chat.delete` need channel + ts;
`reactions.add` / `reactions.remove` take emoji names."""

from __future__ import annotations

import itertools

from tests.fakes.fake_webhook_receiver import Answer, FakeHTTPServer, Recorded


class FakeSlack(FakeHTTPServer):
    def __init__(self) -> None:
        super().__init__()
        self._ts = itertools.count(1)

    def default_answer(self, request: Recorded) -> Answer:
        if request.path.endswith("/chat.postMessage"):
            if not request.header("Authorization").startswith("Bearer xoxb-"):
                return Answer(200, {"ok": False, "error": "not_authed"})
            body = request.json or {}
            ts = f"1767230000.{next(self._ts):06d}"
            return Answer(
                200,
                {"ok": True, "channel": body.get("channel"), "ts": ts, "message": {"text": body.get("text"), "ts": ts}},
            )
        if request.path.endswith(("/chat.update", "/chat.delete")):
            body = request.json or {}
            if not body.get("ts") or not body.get("channel"):
                return Answer(200, {"ok": False, "error": "message_not_found"})
            return Answer(200, {"ok": True, "channel": body["channel"], "ts": body["ts"]})
        if request.path.endswith(("/reactions.add", "/reactions.remove")):
            body = request.json or {}
            if not body.get("name") or not body.get("timestamp") or ":" in str(body.get("name")):
                return Answer(200, {"ok": False, "error": "invalid_name"})
            return Answer(200, {"ok": True})
        return Answer(200, {"ok": False, "error": "unknown_method"})

    def reactions(self) -> list[tuple[str, str, str]]:
        """(add|remove, message ts, emoji name) for each reaction call Slack accepted, in order."""
        return [
            (r.path.rsplit(".", 1)[-1], r.json["timestamp"], r.json["name"])
            for r in self.requests
            if r.path.endswith(("/reactions.add", "/reactions.remove")) and r.status == 200
        ]

    def posts(self) -> list[Recorded]:
        """chat.postMessage calls that Slack accepted."""
        return [r for r in self.received("/chat.postMessage") if r.status == 200 and (r.json or {}).get("text")]
