"""The message pipeline: where a stored inbound message, a WebSocket turn, a REST chat, a schedule or
`manage.py chat` becomes an agent reply, and how replies leave.

Modules, in the order a channel message meets them:

- `handoff` — Celery hand-off off the acknowledgement path (distributed mode only).
- `dispatch` — where pipeline work runs: the embedded worker pool or Celery.
- `tasks` — the Celery tasks (task names are stable strings, see each `shared_task(name=...)`).
- `worker` — the work for one stored inbound event: session → route → turn → store chunks → deliver.
- `agent_loop` — the long-lived event loop agent turns run on in a worker process.
- `sessions` — the session rules of every door: open (idle → archived), history, append, the per-conversation lock.
- `turns` — the one turn service every door calls (prepare → answer, remote or local → record; events).
- `delivery` — the one delivery path: ordered chunks, one retry policy, attempts, the instance's last_error.
- `websocket` — the WebSocket door: the hello's agent and one turn of a WebSocket session.
- `agent_lookup` — which agent answers a WebSocket hello, cached for a few seconds.

See docs/architecture.md for the path of one message from each door.
"""
