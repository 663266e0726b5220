"""Record what PraisonAI's own clients and CLI send to, and get from, a running gateway (run in a PraisonAI venv).

Not a test: PraisonAI 4.7.19 pins openai 2.x and we run openai 3.x, so its packages cannot live in our test
environment. This script runs in a scratch venv with `praisonai==4.7.19 praisonai-bot[gateway]==0.1.16
websockets==13.1` (13.1: the newest websockets whose API PraisonAI's GatewayClient and PushClient still use —
`.closed`, `.open`, `extra_headers`), against a real `rungateway` started with tests/e2e/praisonai/gateway.yaml, and
writes every frame and HTTP exchange into tests/fixtures/praisonai/transcript.json, which
tests/e2e/test_praisonai_transcript.py replays against a fresh gateway. How to re-record: docs/migrating-from-praisonai.md.

    python tests/e2e/praisonai/record.py --port 8765 --token praisonai-e2e-token --out transcript.json
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import os
import sys
import tempfile
import time
import urllib.request
from typing import Any

import aiohttp
import requests
import websockets

STEPS: list[dict[str, Any]] = []
CONNECTIONS = {"next": 0}
T0 = time.monotonic()


def step(**fields: Any) -> None:
    STEPS.append({"t": round(time.monotonic() - T0, 3), **fields})


class RecordedSocket:
    """Wraps a websockets (legacy) client connection: every frame in and out is recorded, in order."""

    def __init__(self, inner: Any, conn: int) -> None:
        self._inner, self._conn = inner, conn

    async def send(self, message: str) -> None:
        step(conn=self._conn, dir="send", frame=json.loads(message))
        await self._inner.send(message)

    async def recv(self) -> str:
        message = await self._inner.recv()
        step(conn=self._conn, dir="recv", frame=json.loads(message))
        return message

    async def close(self, *args: Any, **kwargs: Any) -> None:
        if not self._inner.closed:
            step(conn=self._conn, dir="close")
        await self._inner.close(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


_connect = websockets.connect


async def recording_connect(url: str, **kwargs: Any) -> RecordedSocket:
    CONNECTIONS["next"] += 1
    conn = CONNECTIONS["next"]
    headers = dict(kwargs.get("extra_headers") or {})
    step(conn=conn, dir="open", url=url, headers=headers, client=CLIENT["name"])
    return RecordedSocket(await _connect(url, **kwargs), conn)


CLIENT = {"name": ""}
websockets.connect = recording_connect  # GatewayClient and PushClient look it up at call time


def _http_step(method: str, url: str, headers: dict, body: Any, status: int, response: bytes) -> None:
    try:
        parsed: Any = json.loads(response) if response else None
    except ValueError:
        parsed = response.decode("utf-8", "replace")[:500]
    step(dir="http", client=CLIENT["name"], method=method, url=url, headers=headers, body=body, status=status,
         response=parsed)  # fmt: skip


_urlopen = urllib.request.urlopen


class _Reply:
    def __init__(self, status: int, data: bytes) -> None:
        self.status, self._data = status, data

    def read(self) -> bytes:
        return self._data

    def __enter__(self) -> _Reply:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def recording_urlopen(req: Any, timeout: float | None = None, **kwargs: Any) -> _Reply:
    request = req if isinstance(req, urllib.request.Request) else urllib.request.Request(req)
    headers = dict(request.header_items())
    try:
        with _urlopen(request, timeout=timeout) as response:
            data = response.read()
            _http_step(request.get_method(), request.full_url, headers, None, response.status, data)
            return _Reply(response.status, data)
    except urllib.error.HTTPError as exc:
        data = exc.read()
        _http_step(request.get_method(), request.full_url, headers, None, exc.code, data)
        raise urllib.error.HTTPError(exc.url, exc.code, exc.msg, exc.hdrs, __import__("io").BytesIO(data)) from None


urllib.request.urlopen = recording_urlopen
_post = requests.post


def recording_post(url: str, **kwargs: Any) -> requests.Response:
    response = _post(url, **kwargs)
    _http_step("POST", url, dict(kwargs.get("headers") or {}), kwargs.get("json"), response.status_code,
               response.content)  # fmt: skip
    return response


requests.post = recording_post
_request = aiohttp.ClientSession._request


async def recording_request(self: aiohttp.ClientSession, method: str, url: Any, **kwargs: Any) -> Any:
    response = await _request(self, method, url, **kwargs)
    data = await response.read()
    _http_step(method, str(url), dict(kwargs.get("headers") or {}), kwargs.get("json"), response.status, data)
    return response


aiohttp.ClientSession._request = recording_request


def cli(*args: str) -> dict[str, Any]:
    """Run `praisonai gateway …` in-process (its HTTP calls are recorded) and keep its exit code and output."""
    from praisonai_bot.cli.commands.gateway import app
    from typer.testing import CliRunner

    CLIENT["name"] = "praisonai gateway " + " ".join(args[:1])
    result = CliRunner().invoke(app, list(args))
    step(dir="cli", args=list(args), exit_code=result.exit_code, output=result.output[-4000:])
    return {"exit_code": result.exit_code, "output": result.output}


async def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.02)


async def gateway_client(base: str, token: str) -> list[dict[str, Any]]:
    """GatewayClient: ask, drop, resume without since, ask again, drop, resume with since (the answer is replayed)."""
    from praisonai_bot.gateway.client import BackoffConfig, GatewayClient

    CLIENT["name"] = "GatewayClient"
    client = GatewayClient(f"ws://{base}/ws", "helper", token=token, backoff=BackoffConfig(initial=0.2, jitter=0))
    seen: list[dict[str, Any]] = []

    async def collect() -> None:
        async for event in client.events():
            kind = event.type.value if hasattr(event.type, "value") else str(event.type)
            seen.append({"type": kind, "data": event.data, "sequence": event.sequence})

    collector = asyncio.create_task(collect())

    def finals() -> int:
        return sum(1 for e in seen if e["type"] == "response" and e["data"].get("status") == "final")

    await client.connect()
    await wait_for(lambda: client.is_connected)
    await client.send({"type": "message", "content": "first question"}, request_id="r1")
    await wait_for(lambda: finals() == 1)
    for expected_finals, question, rid in ((2, "second question", "r2"),):
        await client._ws.close()  # the network drops; the client reconnects and resumes its session
        await wait_for(lambda: client.is_connected and client._ws is not None and not client._ws.closed)
        await client.send({"type": "message", "content": question}, request_id=rid)
        await wait_for(lambda n=expected_finals: finals() == n)
    await client._ws.close()  # drop again: this time the client has a cursor, so it resumes with `since`
    await wait_for(lambda: finals() == 3)  # the last answer comes back as a replay.event
    await client.send({"type": "message", "content": "second question"}, request_id="r2")  # a resend
    await wait_for(lambda: any(e["data"].get("status") == "duplicate" for e in seen))
    await client.disconnect()
    collector.cancel()
    return seen


async def push_client(base: str, token: str) -> dict[str, Any]:
    """PushClient over /ws: subscribe, receive; the socket drops, a message is published meanwhile, it arrives."""
    from praisonai.push.client import PushClient
    from praisonai.push.transports import PollingTransport

    CLIENT["name"] = "PushClient (publisher)"
    publisher = PushClient(f"ws://{base}/ws", auth_token=token)
    await publisher.connect()
    await publisher.create_channel("alerts")
    CLIENT["name"] = "PushClient"
    subscriber = PushClient(f"ws://{base}/ws", auth_token=token)
    got: list[Any] = []

    async def on_message(message: Any) -> None:
        got.append(message.data)

    await subscriber.connect()
    await subscriber.subscribe("alerts", on_message)
    await asyncio.sleep(0.3)
    CLIENT["name"] = "PushClient (publisher)"
    await publisher.publish("alerts", {"n": 1})
    await wait_for(lambda: len(got) == 1)
    CLIENT["name"] = "PushClient"
    await subscriber._transport._ws.close()  # dropped: the client reconnects after its 1 s backoff
    await asyncio.sleep(0.3)
    CLIENT["name"] = "PushClient (publisher)"
    await publisher.publish("alerts", {"n": 2, "while": "reconnecting"})
    CLIENT["name"] = "PushClient"
    await wait_for(lambda: len(got) == 2, timeout=15)
    CLIENT["name"] = "PollingTransport"
    polling = PollingTransport(f"http://{base}", token)
    await polling.connect()
    await polling.send({"type": "channel.subscribe", "channel": "alerts"})
    CLIENT["name"] = "PushClient (publisher)"
    await publisher.publish("alerts", {"n": 3, "to": "the poller"})
    CLIENT["name"] = "PollingTransport"
    polled = await polling.receive()
    await polling.send({"type": "message_ack", "event_id": polled["event_id"]})
    await polling.disconnect()
    CLIENT["name"] = "PushClient"
    await subscriber.disconnect()
    await publisher.disconnect()
    return {"received": got, "polled": polled.get("data")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    base = f"127.0.0.1:{args.port}"
    os.environ["GATEWAY_AUTH_TOKEN"] = args.token
    cli_config = os.path.join(tempfile.mkdtemp(), "praisonai-gateway.yaml")
    with open(cli_config, "w") as handle:  # PraisonAI's own config: where the gateway is, one offline channel
        handle.write(f"gateway:\n  host: 127.0.0.1\n  port: {args.port}\nchannels:\n  local:\n    platform: local\n")
    outcome: dict[str, Any] = {}
    outcome["status"] = cli("status", "--json", "--port", str(args.port))
    outcome["test"] = cli("test", "--config", cli_config, "--check-runtime", "--json")
    outcome["pause"] = cli("pause", "ops-hook", "--url", f"ws://{base}")
    outcome["resume"] = cli("resume", "ops-hook", "--url", f"ws://{base}")
    outcome["reconnect"] = cli("reconnect", "ops-hook", "--url", f"ws://{base}")
    outcome["gateway_client_events"] = asyncio.run(gateway_client(base, args.token))
    outcome["push"] = asyncio.run(push_client(base, args.token))
    versions = {name: importlib.metadata.version(name) for name in ("praisonai", "praisonai-bot", "websockets")}
    text = json.dumps({"versions": versions, "python": sys.version.split()[0], "port": args.port,
                       "token": args.token, "outcome": outcome, "steps": STEPS}, indent=1, default=str)  # fmt: skip
    with open(args.out, "w") as handle:
        port = args.port
        text = text.replace(args.token, "<TOKEN>").replace(f"127.0.0.1:{port}", "127.0.0.1:<PORT>")
        handle.write(text.replace(f'"{port}"', '"<PORT>"').replace(f'"port": {port}', '"port": "<PORT>"'))
    print(json.dumps({k: (v if not isinstance(v, dict) else v.get("exit_code", v)) for k, v in outcome.items()},
                     default=str)[:3000])  # fmt: skip


if __name__ == "__main__":
    main()
