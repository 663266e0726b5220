"""Slack Socket Mode: apps.connections.open with the app-level token, then a WebSocket of envelopes.

Each envelope is acknowledged at once (Slack's 3-second rule), then its payload — exactly the Events API HTTP body —
goes through the Slack adapter's own parser and the shared intake (PLATFORMS.md §3.6). On a `refresh_requested`
or `warning` disconnect the replacement connection is opened before the old one is closed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
from django.db import connection

from channels_app.adapters.slack import SlackAdapter
from channels_app.listeners.base import FatalListenerError, Listener, ListenerError
from gatewaysite.egress import check_before_connect

logger = logging.getLogger(__name__)

REFRESH_REASONS = {"refresh_requested", "warning"}
FATAL_OPEN_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "not_allowed_token_type"}


class SlackSocketListener(Listener):
    kind = "slack_socket"

    def lease_identity(self) -> str:
        return str((self.instance.credentials or {}).get("app_token") or self.instance.name)

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        adapter = SlackAdapter(self.instance)
        app_token = adapter.credential("app_token")
        timeout = aiohttp.ClientTimeout(total=None, connect=10, sock_connect=10)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            ws = await self._connect(http, adapter, app_token)
            watcher = asyncio.create_task(self._watch())
            try:
                while not self.stopping.is_set():
                    reason = await self._serve(ws, adapter, watcher)
                    if self.stopping.is_set():
                        break
                    if reason == "link_disabled":
                        raise FatalListenerError("Slack disabled Socket Mode for this app (link_disabled)")
                    if reason not in REFRESH_REASONS:
                        raise ListenerError(f"Slack socket closed ({reason})")
                    replacement = await self._connect(http, adapter, app_token)
                    await ws.close()
                    ws = replacement
            finally:
                watcher.cancel()
                await ws.close()

    async def _connect(self, http: aiohttp.ClientSession, adapter: SlackAdapter, app_token: str) -> Any:
        """apps.connections.open (token in the header, never the body), then connect and wait for `hello`."""
        try:
            # aiohttp has no transport hook: the outbound policy (gatewaysite/egress.py) is checked before each connect.
            await asyncio.to_thread(check_before_connect, f"{adapter.api_base_url}/apps.connections.open")
            async with http.post(
                f"{adapter.api_base_url}/apps.connections.open",
                headers={"Authorization": f"Bearer {app_token}", "Content-Type": "application/x-www-form-urlencoded"},
            ) as response:
                data = await response.json(content_type=None)
            if not data.get("ok"):
                error = str(data.get("error") or f"HTTP {response.status}")
                if error in FATAL_OPEN_ERRORS:
                    raise FatalListenerError(f"Slack apps.connections.open: {error} (check the app-level token)")
                raise ListenerError(f"Slack apps.connections.open: {error}")
            await asyncio.to_thread(check_before_connect, str(data["url"]))
            ws = await http.ws_connect(data["url"], heartbeat=float(self.option("ping_interval", 30)))
            hello = await ws.receive_json(timeout=float(self.option("hello_timeout", 10)))
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
            raise ListenerError(f"Slack Socket Mode connect failed: {type(exc).__name__}") from exc
        if hello.get("type") != "hello":
            await ws.close()
            raise ListenerError(f"Slack Socket Mode: expected hello, got {hello.get('type')!r}")
        await asyncio.to_thread(self._in_thread, self.context.connected)
        return ws

    async def _serve(self, ws: Any, adapter: SlackAdapter, watcher: asyncio.Task) -> str:
        """Read envelopes until a disconnect frame, a close, or a stop; returns the reason."""
        while True:
            receive = asyncio.ensure_future(ws.receive())
            done, _ = await asyncio.wait({receive, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if watcher in done:
                receive.cancel()
                return "stopped"
            frame = receive.result()
            if frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                return f"websocket {frame.type.name.lower()}"
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            try:
                data = json.loads(frame.data)
            except ValueError:
                logger.warning("slack %s: a frame that is not JSON was skipped", self.instance.name)
                continue
            if data.get("type") == "disconnect":
                return str(data.get("reason") or "disconnect")
            envelope_id = data.get("envelope_id")
            if envelope_id:
                # Ack first, then process: Slack redelivers anything not acked within 3 s (PLATFORMS.md §3.6).
                await ws.send_json({"envelope_id": envelope_id})
            if data.get("type") == "events_api" and isinstance(data.get("payload"), dict):
                messages = adapter.parse(data["payload"], {})
                if messages:
                    await asyncio.to_thread(self._in_thread, self.context.deliver, messages)

    async def _watch(self) -> None:
        ticks = 0
        while not self.stopping.is_set():
            await asyncio.sleep(0.1)
            ticks += 1
            if ticks % 300 == 0:
                await asyncio.to_thread(self._in_thread, self.context.seen)

    @staticmethod
    def _in_thread(function: Any, *args: Any) -> Any:
        try:
            return function(*args)
        finally:
            connection.close()
