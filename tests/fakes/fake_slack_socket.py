"""A fake Slack for Socket Mode on 127.0.0.1: apps.connections.open, the envelope WebSocket, chat.postMessage.

Speaks PLATFORMS.md §3.6: `hello` first, envelopes `{envelope_id, type, payload, accepts_response_payload,
retry_attempt, retry_reason}`, acks `{envelope_id}`, and `{"type": "disconnect", "reason": ...}`. An envelope that
is not acked is redelivered on the next connection with `retry_attempt` + 1, as Slack does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Any

from aiohttp import WSMsgType, web


class FakeSlackSocket:
    def __init__(self, app_token: str = "xapp-1-test", bot_token: str = "xoxb-test") -> None:
        self.app_token = app_token
        self.bot_token = bot_token
        self.opens = 0
        self.open_auth: list[str] = []
        self.acks: list[str] = []
        self.posted: list[dict[str, Any]] = []
        self.unacked: dict[str, dict[str, Any]] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def __enter__(self) -> FakeSlackSocket:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/apps.connections.open", self._open)
        app.router.add_post("/api/chat.postMessage", self._post_message)
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    # -- test controls ---------------------------------------------------------------------------------------
    def send_event(self, payload: dict[str, Any]) -> str:
        """Deliver an Events API payload in an envelope on the newest connection."""
        envelope_id = f"env-{next(self._ids)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": "events_api",
            "payload": payload,
            "accepts_response_payload": False,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        with self._cond:
            self.unacked[envelope_id] = envelope
        asyncio.run_coroutine_threadsafe(self._send_latest(envelope), self._loop).result(5)
        return envelope_id

    def disconnect(self, reason: str = "refresh_requested") -> None:
        asyncio.run_coroutine_threadsafe(
            self._send_latest({"type": "disconnect", "reason": reason}), self._loop
        ).result(5)

    def wait(self, predicate, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                if time.monotonic() > deadline:
                    return False
                self._cond.wait(0.05)
            return True

    async def _send_latest(self, frame: dict[str, Any]) -> None:
        live = [ws for ws in self._sockets if not ws.closed]
        if not live:
            raise RuntimeError("no live Socket Mode connection")
        await live[-1].send_str(json.dumps(frame))

    # -- endpoints -------------------------------------------------------------------------------------------
    async def _open(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        with self._cond:
            self.open_auth.append(auth)
            self.opens += 1
        if auth != f"Bearer {self.app_token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/link?ticket={self.opens}"})

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len(self._sockets),
                    "debug_info": {"host": "fake", "approximate_connection_time": 18060},
                }
            )
        )
        with self._cond:
            redeliver = list(self.unacked.values())
        for envelope in redeliver:  # not acked before the last connection went away: Slack retries
            envelope["retry_attempt"] += 1
            envelope["retry_reason"] = "timeout"
            await ws.send_str(json.dumps(envelope))
        with self._cond:
            self._cond.notify_all()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                with self._cond:
                    if data.get("envelope_id"):
                        self.acks.append(data["envelope_id"])
                        self.unacked.pop(data["envelope_id"], None)
                    self._cond.notify_all()
        return ws

    async def _post_message(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.bot_token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        body = await request.json()
        with self._cond:
            self.posted.append(body)
            self._cond.notify_all()
        return web.json_response(
            {"ok": True, "channel": body.get("channel"), "ts": f"1767225999.{len(self.posted):06d}"}
        )

    @property
    def live_connections(self) -> int:
        return len([ws for ws in self._sockets if not ws.closed])
