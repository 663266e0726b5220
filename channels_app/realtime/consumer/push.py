"""Push pub/sub frames: channel create/subscribe/unsubscribe/publish/list, delivery with acks, nacks and replay."""

from __future__ import annotations

import time
from typing import Any

from channels_app.realtime import groups, push
from channels_app.realtime.auth import READ, WRITE
from channels_app.realtime.consumer.base import CLOSE_SLOW_CONSUMER, ConnectionBase, PendingDelivery, db


class PushHandlers(ConnectionBase):
    """Channels, delivery to this connection's identity, and its acks."""

    async def on_channel_create(self, frame: dict[str, Any]) -> None:
        if not (await self.require_push("channel.create") and await self.require(WRITE, "channel.create")):
            return
        channel, created = await db(push.channel_create)(frame.get("channel"), frame.get("metadata"), self.client_id)
        await self.send_frame({"type": "channel.created", "channel": channel.name, "ok": True, "created": created})

    async def on_channel_subscribe(self, frame: dict[str, Any]) -> None:
        if not (await self.require_push("channel.subscribe") and await self.require(READ, "channel.subscribe")):
            return
        adopted = await self.adopt_returning_identity(frame.get("channel"))
        sub = await db(push.subscribe)(self.client_id, frame.get("channel"))
        name = frame["channel"]
        await self.join(groups.push_group(name))
        await self.send_frame({"type": "channel.subscribed", "channel": name, "ok": True, "seq": sub.acked_through})
        if adopted:
            await self.replay_push()  # what was published while this client was reconnecting

    async def adopt_returning_identity(self, channel: object) -> bool:
        """An unnamed connection's first subscribe may continue the identity its token left (push.adoptable_identity)."""
        if getattr(self, "adoption_checked", False) or not self.client_id.startswith(push.ANONYMOUS_PREFIX):
            return False
        self.adoption_checked = True
        try:
            orphan = await db(push.adoptable_identity)(self.client_id, channel)
        except push.PushError:
            return False  # a bad channel name: the subscribe itself answers the error
        if orphan is None:
            return False
        await self.set_client_id(orphan)
        return True

    async def on_channel_unsubscribe(self, frame: dict[str, Any]) -> None:
        if not (await self.require_push("channel.unsubscribe") and await self.require(READ, "channel.unsubscribe")):
            return
        removed = await db(push.unsubscribe)(self.client_id, frame.get("channel"))
        await self.leave_group(groups.push_group(frame["channel"]))
        for event_id, item in list(self.pending.items()):
            if item.frame.get("channel") == frame["channel"]:
                self.pending.pop(event_id)
        await self.send_frame({"type": "channel.unsubscribed", "channel": frame["channel"], "ok": removed})

    async def on_channel_publish(self, frame: dict[str, Any]) -> None:
        if not (await self.require_push("channel.publish") and await self.require(WRITE, "channel.publish")):
            return
        if "data" not in frame:
            await self.error("missing_data", "channel.publish needs 'data'")
            return
        sent, delivered = await push.apublish(frame.get("channel"), frame["data"], self.client_id)
        await self.send_frame(
            {
                "type": "channel.published",
                "channel": sent["channel"],
                "ok": True,
                "delivered": delivered,
                "seq": sent["seq"],
                "event_id": sent["event_id"],
            }
        )

    async def on_channel_list(self, frame: dict[str, Any]) -> None:
        if not (await self.require_push("channel.list") and await self.require(READ, "channel.list")):
            return
        await self.send_frame({"type": "channel.list", "channels": await db(push.channel_list)()})

    async def push_message(self, message: dict[str, Any]) -> None:
        """A publish on a channel this connection's identity is subscribed to (from any process)."""
        if message.get("publisher") == self.client_id:
            return
        await self.deliver_push(message["frame"])

    async def deliver_push(self, frame: dict[str, Any]) -> None:
        if "ack" in self.caps:
            if frame["event_id"] in self.pending:
                return
            self.pending[frame["event_id"]] = PendingDelivery(frame, 0, time.monotonic() + self.config.ack_timeout)
            if len(self.pending) > self.config.max_unacked:
                await self.evict(CLOSE_SLOW_CONSUMER, f"more than {self.config.max_unacked} unacked messages")
                return
        else:
            channel = frame["channel"]
            self.auto_acked[channel] = max(self.auto_acked.get(channel, 0), int(frame["seq"]))
        await self.send_frame(frame)

    async def replay_push(self) -> None:
        """Send every retained push message this identity has not acked (what it missed while away)."""
        missed = await db(push.pending)(self.client_id, self.config.max_unacked)
        for frame in missed:
            if frame["event_id"] in self.pending:
                continue
            await self.deliver_push({**frame, "_replayed": True})

    async def redeliver(self, event_id: str, item: PendingDelivery) -> None:
        item.attempts += 1
        item.due = time.monotonic() + self.config.ack_timeout * (2 ** (item.attempts - 1))
        await self.send_frame({**item.frame, "_redelivered": True, "attempt": item.attempts})

    async def on_message_ack(self, frame: dict[str, Any]) -> None:
        if not await self.require_push("message_ack"):
            return
        event_id = frame.get("event_id")
        event_id = event_id if isinstance(event_id, str) else None
        channel, seq = frame.get("channel"), frame.get("seq")
        if event_id is None and not (isinstance(channel, str) and isinstance(seq, int)):
            await self.error("invalid_ack", "message_ack needs event_id (or channel and seq)")
            return
        ok = await db(push.ack)(self.client_id, event_id=event_id, channel=channel, seq=seq)
        if event_id:
            self.pending.pop(event_id, None)
        else:
            for key, item in list(self.pending.items()):
                if item.frame.get("channel") == channel and item.frame.get("seq") == seq:
                    self.pending.pop(key)
        await self.send_frame({"type": "ack_received", "event_id": event_id, "ok": ok})

    async def on_message_nack(self, frame: dict[str, Any]) -> None:
        if not await self.require_push("message_nack"):
            return
        event_id = frame.get("event_id")
        item = self.pending.get(event_id) if isinstance(event_id, str) else None
        await self.send_frame({"type": "nack_received", "event_id": event_id, "ok": item is not None})
        if item is not None:
            await self.redeliver(event_id, item)
