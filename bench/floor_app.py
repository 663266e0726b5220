"""The emptiest answer an HTTP server can give, for bench/server_floor.py: read the body, answer 200 "ok".

`application` is an ASGI app for `daphne bench.floor_app:application`; `python -m bench.floor_app PORT` serves the
same on aiohttp's server (the one the Agentix gateway runs on), so the two servers' own costs can be compared.
"""

from __future__ import annotations

import sys
from typing import Any


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def serve_aiohttp(port: int) -> None:
    from aiohttp import web

    async def answer(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    serve_aiohttp(int(sys.argv[1]))
