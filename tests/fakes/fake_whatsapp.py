"""Fake WhatsApp Cloud API (Graph) on 127.0.0.1: `POST /{version}/{phone_number_id}/messages` answers text
sends with a new wamid and read/typing marks with success, unless scripted (Graph error objects)."""

from __future__ import annotations

import itertools

from tests.fakes.fake_webhook_receiver import Answer, FakeHTTPServer, Recorded


class FakeWhatsApp(FakeHTTPServer):
    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(1)

    def default_answer(self, request: Recorded) -> Answer:
        if not request.path.endswith("/messages"):
            return Answer(404, {"error": {"message": "Unknown path", "code": 100}})
        body = request.json or {}
        if body.get("status") == "read":
            return Answer(200, {"success": True})
        return Answer(
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                "messages": [{"id": f"wamid.OUT{next(self._ids):04d}"}],
            },
        )

    def texts(self) -> list[Recorded]:
        """Text sends the fake accepted (not read/typing marks)."""
        return [r for r in self.received("/messages") if r.status == 200 and (r.json or {}).get("type") == "text"]
