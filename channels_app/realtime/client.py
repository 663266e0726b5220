"""GatewayClient: a small asyncio client for apps and remote agents, with reconnect, resume and ack built in.

    async with GatewayClient("ws://127.0.0.1:8000/ws", token, agent_id="support", client_id="my-app") as gw:
        reply = await gw.ask("Hello")                      # message → response final (content)
        await gw.subscribe("news")
        async for event in gw.events():                    # channel_message, broadcast, presence_* ...
            ...

On a dropped connection it reconnects with backoff, resumes its session with `session_id` + `since` (the last cursor
it saw), receives replayed frames and the push messages it missed, and acks each push message once it was handed to
`events()`. Needs the `websockets` package (>= 14).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

log = logging.getLogger(__name__)
AgentHandler = Callable[[dict[str, Any]], Awaitable[str]]
EVENT_TYPES = {"channel_message", "broadcast", "presence_join", "presence_leave"}


class GatewayError(Exception):
    """The gateway refused something (hello_error, error frame, or a final response with an error outcome)."""

    def __init__(self, frame: dict[str, Any]) -> None:
        super().__init__(frame.get("message") or frame.get("code") or json.dumps(frame))
        self.frame = frame
        self.code = frame.get("code")


class GatewayClient:
    """One logical client identity; survives reconnects (session and push delivery state live on the gateway)."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        agent_id: str,
        client_id: str | None = None,
        capabilities: tuple[str, ...] = ("ack",),
        reconnect: bool = True,
        backoff: tuple[float, float] = (0.2, 10.0),
        ssl_context: ssl.SSLContext | None = None,
        agent_handler: AgentHandler | None = None,
        presence_interval: float = 15.0,
    ) -> None:
        self.url = url
        self.token = token
        self.agent_id = agent_id
        self.client_id = client_id or "client-" + uuid.uuid4().hex
        self.capabilities = list(capabilities)
        self.reconnect = reconnect
        self.backoff = backoff
        self.ssl_context = ssl_context
        self.agent_handler = agent_handler
        self.session_id: str | None = None
        self.cursor = 0
        self.resumed = False
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._replies: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._waiters: list[tuple[Callable[[dict[str, Any]], bool], asyncio.Future[dict[str, Any]]]] = []
        self._connected = asyncio.Event()
        self._closing = False
        self._seen_push: set[str] = set()
        self.presence_interval = presence_interval
        self._presence: asyncio.Task[None] | None = None

    # ---- connection ------------------------------------------------------------------------------------------------

    async def __aenter__(self) -> GatewayClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> dict[str, Any]:
        """Open the socket and say hello (resuming the session when there is one); returns hello_ok."""
        url = f"{self.url}{'&' if '?' in self.url else '?'}token={self.token}"
        self._ws = await connect(url, ssl=self.ssl_context, max_size=None)
        hello = {
            "type": "hello",
            "agent_id": self.agent_id,
            "protocol_min": 1,
            "protocol_max": 1,
            "client_id": self.client_id,
            "capabilities": self.capabilities,
        }
        if self.session_id:
            hello.update(session_id=self.session_id, since=self.cursor)
        await self._ws.send(json.dumps(hello))
        while True:
            frame = json.loads(await self._ws.recv())
            if frame.get("type") == "hello_ok":
                break
            if frame.get("type") == "hello_error":
                raise GatewayError(frame)
        self.session_id = frame["session_id"]
        self.resumed = frame["resumed"]
        self.cursor = max(self.cursor, int(frame.get("cursor") or 0)) if self.resumed else int(frame.get("cursor") or 0)
        self._connected.set()
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read_forever())
        if "presence" in self.capabilities and (self._presence is None or self._presence.done()):
            self._presence = asyncio.create_task(self._beat_forever())
        return frame

    async def _beat_forever(self) -> None:
        """Keep the identity online: a presence.heartbeat every presence_interval (the gateway's timeout is 3x)."""
        while not self._closing:
            await asyncio.sleep(self.presence_interval)
            with contextlib.suppress(ConnectionClosed, AssertionError):
                if self._connected.is_set():
                    await self.send({"type": "presence.heartbeat", "status": "online"})

    async def close(self) -> None:
        self._closing = True
        if self._presence is not None:
            self._presence.cancel()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._ws is not None:
            await self._ws.close()

    async def drop(self) -> None:
        """Close the socket without leaving (tests, simulated network loss); the client reconnects if allowed."""
        if self._ws is not None:
            await self._ws.close()

    async def send(self, frame: dict[str, Any]) -> None:
        await self._connected.wait()
        assert self._ws is not None
        await self._ws.send(json.dumps(frame))

    async def request(self, frame: dict[str, Any], reply_type: str, timeout: float = 10.0) -> dict[str, Any]:  # noqa: ASYNC109
        """Send a frame and wait for the first reply of `reply_type` (or an error frame)."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters.append((lambda f: f.get("type") in {reply_type, "error"}, future))
        await self.send(frame)
        reply = await asyncio.wait_for(future, timeout)
        if reply.get("type") == "error":
            raise GatewayError(reply)
        return reply

    # ---- the reader: dispatch, resume, acks ------------------------------------------------------------------------

    async def _read_forever(self) -> None:
        delay = self.backoff[0]
        while not self._closing:
            try:
                assert self._ws is not None
                async for raw in self._ws:
                    await self._dispatch(json.loads(raw))
                    delay = self.backoff[0]
            except ConnectionClosed:
                pass
            self._connected.clear()
            if self._closing or not self.reconnect:
                return
            while not self._closing:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff[1])
                try:
                    await self.connect()
                    break
                except (OSError, ConnectionClosed, GatewayError) as exc:
                    log.info("reconnect failed: %s", exc)

    async def _dispatch(self, frame: dict[str, Any]) -> None:
        if frame.get("type") == "replay":
            event = frame.get("event") or {}
            frame = event.get("data") if isinstance(event.get("data"), dict) else event  # the seed's envelope
        if isinstance(frame.get("cursor"), int):
            self.cursor = max(self.cursor, frame["cursor"])
        type_ = frame.get("type")
        if type_ == "ping":
            await self.send({"type": "pong"})
            return
        if type_ == "response" and frame.get("status") == "final":
            future = self._replies.pop(frame.get("request_id") or "", None)
            if future is not None and not future.done():
                future.set_result(frame)
            return
        if type_ == "agent_request" and self.agent_handler is not None:
            asyncio.create_task(self._answer(frame))
            return
        if type_ == "channel_message":
            event_id = frame["event_id"]
            if event_id not in self._seen_push:  # a redelivery of something already handed over is only re-acked
                self._seen_push.add(event_id)
                await self._events.put(frame)
            if "ack" in self.capabilities:
                await self.send({"type": "message_ack", "event_id": event_id})
            return
        for item in list(self._waiters):
            predicate, future = item
            if not future.done() and predicate(frame):
                future.set_result(frame)
                self._waiters.remove(item)
                return
        if type_ in EVENT_TYPES or (type_ and type_.endswith("_stream")):
            await self._events.put(frame)

    async def _answer(self, frame: dict[str, Any]) -> None:
        try:
            content = await self.agent_handler(frame)  # type: ignore[misc]
            await self.send({"type": "agent_response", "request_id": frame["request_id"], "content": content})
        except Exception as exc:  # noqa: BLE001 - the gateway hears the failure instead of waiting for a timeout
            await self.send({"type": "agent_response", "request_id": frame["request_id"], "error": str(exc)})

    # ---- conversation ----------------------------------------------------------------------------------------------

    async def ask(self, content: str, *, timeout: float = 60.0) -> str:  # noqa: ASYNC109
        """Send a message and return the final reply's content; survives a reconnect in between (replay)."""
        request_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[request_id] = future
        await self.send({"type": "message", "content": content, "request_id": request_id})
        final = await asyncio.wait_for(future, timeout)
        if (final.get("outcome") or {}).get("status") != "ok":
            raise GatewayError({**final, "message": ((final.get("outcome") or {}).get("error") or {}).get("message")})
        return final["content"]

    # ---- push ------------------------------------------------------------------------------------------------------

    async def create_channel(self, channel: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.request(
            {"type": "channel.create", "channel": channel, "metadata": metadata}, "channel.created"
        )

    async def subscribe(self, channel: str) -> dict[str, Any]:
        return await self.request({"type": "channel.subscribe", "channel": channel}, "channel.subscribed")

    async def unsubscribe(self, channel: str) -> dict[str, Any]:
        return await self.request({"type": "channel.unsubscribe", "channel": channel}, "channel.unsubscribed")

    async def publish(self, channel: str, data: Any) -> dict[str, Any]:
        return await self.request({"type": "channel.publish", "channel": channel, "data": data}, "channel.published")

    async def list_channels(self) -> list[dict[str, Any]]:
        return (await self.request({"type": "channel.list"}, "channel.list"))["channels"]

    async def heartbeat(self, status: str = "online", metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        frame = {"type": "presence.heartbeat", "status": status, "metadata": metadata or {}}
        return await self.request(frame, "presence.heartbeat_ack")

    async def presence(self, channel: str | None = None) -> list[dict[str, Any]]:
        return (await self.request({"type": "presence.query", "channel": channel}, "presence.list"))["clients"]

    async def register_agent(self, agent_id: str | None = None) -> dict[str, Any]:
        return await self.request({"type": "agent.register", "agent_id": agent_id or self.agent_id}, "agent.registered")

    async def next_event(self, timeout: float | None = None) -> dict[str, Any]:  # noqa: ASYNC109
        return await asyncio.wait_for(self._events.get(), timeout)

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        while True:
            yield await self._events.get()
