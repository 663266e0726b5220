"""The Celery broker transport for `redis://` URLs: kombu's own, with one Redis client per channel instead of one
per command.

Why: kombu's Redis channel builds a new `redis.Redis` client (over the same connection pool) for every
`conn_or_acquire`, which the worker runs twice per task under acks_late: once to record the delivered message
as unacknowledged and once to remove it on ack. Under bench/webhook_load.py --distributed a py-spy profile of the
worker put those client constructions at about 4 % of its CPU per answered message. A client over a connection
pool is thread-safe (each command borrows a pooled connection), so the channel keeps one, and builds a new one
only when its pool was replaced (a reconnect). Everything else is kombu's.

`rediss://` keeps kombu's stock transport: kombu turns on TLS from the URL's scheme name, not from the class.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _shared_client: Any = None

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:  # the consumer's blocking reads: kombu keeps that client itself
            return super()._create_client(asynchronous=True)
        client = self._shared_client
        if client is None or client.connection_pool is not self.pool:
            client = self._shared_client = super()._create_client()
        return client


class Transport(kombu_redis.Transport):
    Channel = Channel
