"""Fake Telegram Bot API on 127.0.0.1: `/bot<token>/sendMessage`, `sendChatAction`, `setWebhook`, `getMe`, with
Telegram's `{ok, result}` / `{ok: false, error_code, description, parameters}` shapes; a wrong token gets 401."""

from __future__ import annotations

import itertools

from tests.fakes.fake_webhook_receiver import Answer, FakeHTTPServer, Recorded

# A part of Telegram's reaction set (ReactionTypeEmoji): what the tests use, and not ⏳ or ✅.
REACTION_EMOJI = {"👍", "👎", "❤", "🔥", "👀", "🤔", "🎉", "👌", "🙏", "💯", "⚡", "🏆", "🤝", "✍"}


class FakeTelegram(FakeHTTPServer):
    def __init__(self, token: str = "7000000001:AAtest-token", username: str = "acme_agent_bot") -> None:
        super().__init__()
        self.token = token
        self.username = username
        self.get_me_calls = 0
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
        if method == "getMe":
            self.get_me_calls += 1
            bot = {"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "Acme", "username": self.username}
            return Answer(200, {"ok": True, "result": bot})
        if method == "setMessageReaction":
            reaction = body.get("reaction") or []
            # Bots may react only with Telegram's reaction set (Bot API ReactionTypeEmoji).
            if any(item.get("emoji") not in REACTION_EMOJI for item in reaction):
                return Answer(400, {"ok": False, "error_code": 400, "description": "Bad Request: REACTION_INVALID"})
            return Answer(200, {"ok": True, "result": True})
        if method in ("editMessageText", "deleteMessage"):
            if not body.get("chat_id") or not isinstance(body.get("message_id"), int):
                return Answer(
                    400, {"ok": False, "error_code": 400, "description": "Bad Request: message to edit not found"}
                )
            return Answer(200, {"ok": True, "result": True})
        if method in ("sendChatAction", "setWebhook", "deleteWebhook"):
            return Answer(200, {"ok": True, "result": True})
        return Answer(404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"})

    def reactions(self) -> list[tuple[int, list[str]]]:
        """(message_id, emoji set) of each setMessageReaction Telegram accepted, in order."""
        accepted = [r for r in self.received("/setMessageReaction") if r.status == 200]
        return [(r.json["message_id"], [item["emoji"] for item in r.json["reaction"]]) for r in accepted]

    def messages(self) -> list[Recorded]:
        """sendMessage calls Telegram accepted."""
        return [r for r in self.received("/sendMessage") if r.status == 200]
