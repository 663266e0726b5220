"""Fake Telegram Bot API on 127.0.0.1: `/bot<token>/sendMessage`, `sendChatAction`, `setWebhook`, with
Telegram's `{ok, result}` / `{ok: false, error_code, description, parameters}` shapes; a wrong token gets 401."""

from __future__ import annotations

import itertools

from tests.fakes.fake_webhook_receiver import Answer, FakeHTTPServer, Recorded


class FakeTelegram(FakeHTTPServer):
    def __init__(self, token: str = "7000000001:AAtest-token") -> None:
        super().__init__()
        self.token = token
        self._ids = itertools.count(9000)

    def default_answer(self, request: Recorded) -> Answer:
        prefix = f"/bot{self.token}/"
        if not request.path.startswith(prefix):
            return Answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = request.path[len(prefix) :].split("?")[0]
        body = request.json or {}
        if method == "sendMessage":
            result = {"message_id": next(self._ids), "chat": {"id": body.get("chat_id")}, "text": body.get("text")}
            return Answer(200, {"ok": True, "result": result})
        if method in ("sendChatAction", "setWebhook", "deleteWebhook"):
            return Answer(200, {"ok": True, "result": True})
        return Answer(404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"})

    def messages(self) -> list[Recorded]:
        """sendMessage calls Telegram accepted."""
        return [r for r in self.received("/sendMessage") if r.status == 200]
