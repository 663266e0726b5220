"""What the gateway is doing right now: probes, the status snapshot and Prometheus metrics, all read from shared state.

Everything is computed from the database (and the broker) at read time, so any process — a Daphne, a worker, the
`gateway_status` command — reports the whole deployment, not only itself.
"""
