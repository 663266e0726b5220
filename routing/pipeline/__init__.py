"""The message pipeline: where a stored inbound message, a WebSocket turn, a REST chat or a schedule becomes an
agent reply.

Modules, in the order a channel message meets them:

- `handoff` — Celery hand-off off the acknowledgement path (distributed mode only).
- `dispatch` — where pipeline work runs: the embedded worker pool or Celery.
- `tasks` — the Celery tasks (task names are stable strings, see each `shared_task(name=...)`).
- `worker` — the work for one stored inbound event: session → route → agent → format → split → deliver.
- `sessions` — conversation sessions: open/expire, history, append, the one-run-per-conversation lock.
- `agent_loop` — the long-lived event loop agent turns run on in a worker process.
- `websocket` — the WebSocket plane's turns and the remote-or-local agent call.
- `agent_lookup` — which agent answers a WebSocket session, cached for a few seconds.

See docs/architecture.md for the path of one message from each door.
"""
