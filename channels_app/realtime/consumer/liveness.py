"""Periodic work per connection: heartbeat, liveness eviction, token re-checks, push redelivery, lazy acks."""

from __future__ import annotations

import asyncio
import dataclasses
import time

from channels_app.realtime import frames, push, tokens
from channels_app.realtime.auth import expand_scopes
from channels_app.realtime.consumer.base import CLOSE_AUTH, CLOSE_LIVENESS, ConnectionBase, db, log


class LivenessMixin(ConnectionBase):
    """The connection's ticker (started at connect)."""

    def tick_period(self) -> float:
        config = self.config
        return max(0.02, min(config.heartbeat_interval, config.ack_timeout) / 2)

    async def tick_forever(self) -> None:
        try:
            while not self.closing:
                await asyncio.sleep(self.tick_period())
                await self.tick()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a failed tick is logged; the connection keeps working
            log.exception("connection tick failed")

    async def tick(self) -> None:
        now = time.monotonic()
        interval = self.config.heartbeat_interval
        if now - self.last_seen > 2 * interval:
            await self.evict(CLOSE_LIVENESS, "no frame from the client for two heartbeat intervals")
            return
        if self.auth.token_id is not None and now - self.token_checked >= tokens.recheck_seconds():
            self.token_checked = now
            if not await self.recheck_token():
                return
        if now - self.last_ping >= interval:
            self.last_ping = now
            if "heartbeat" in self.caps:
                await self.send_frame(frames.event("heartbeat", {"interval_ms": self.config.heartbeat_ms}))
            else:
                await self.send_frame({"type": "ping", "timestamp": frames.now_iso()})
        for event_id, item in list(self.pending.items()):
            if item.due > now:
                continue
            if item.attempts > self.config.max_retries:
                self.pending.pop(event_id, None)  # stays unacked in the database: replayed on reconnect
                continue
            await self.redeliver(event_id, item)
        if self.auto_acked:
            acked, self.auto_acked = self.auto_acked, {}
            await db(self._flush_auto_acks)(acked)

    async def recheck_token(self) -> bool:
        """Is the token still good (enabled, unexpired, its user still allowed)? Narrow the scopes, or close 4003."""
        scopes = await db(tokens.recheck)(self.auth.token_id)
        if scopes is None:
            await self.evict(CLOSE_AUTH, "the token was revoked or expired, or its user lost access")
            return False
        expanded = expand_scopes(scopes)
        if expanded != self.auth.scopes:
            self.auth = dataclasses.replace(self.auth, scopes=expanded)
        return True

    def _flush_auto_acks(self, acked: dict[str, int]) -> None:
        for channel, seq in acked.items():
            push.ack_through(self.client_id, channel, seq)
