"""Discord's gateway WebSocket through discord.py: the only way ordinary Discord messages arrive (PLATFORMS.md §6.1).

discord.py owns heartbeats, resume and reconnects; this listener turns each parsed `discord.Message` into an
InboundMessage and hands it to the shared intake. Replies go out over REST (channels_app.adapters.discord).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from django.db import connection

from channels_app.adapters.base import InboundMessage
from channels_app.adapters.discord import DiscordAdapter, strip_mention
from channels_app.listeners.base import FatalListenerError, Listener, ListenerError

logger = logging.getLogger(__name__)

# Close codes retrying cannot fix: bad token, bad shard, invalid or disallowed intents (PLATFORMS.md §6.10).
FATAL_CLOSE_CODES = {4004, 4010, 4011, 4012, 4013, 4014}


def gateway_intents() -> discord.Intents:
    """GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT = 37377 (PLATFORMS.md §6.3)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = True
    return intents


def inbound_from_gateway(message: discord.Message, *, bot_id: int, guild_context: str = "channel") -> InboundMessage:
    """A message as discord.py parsed it from MESSAGE_CREATE, normalised for the pipeline."""
    channel = message.channel
    is_dm = isinstance(channel, discord.DMChannel) or getattr(channel, "type", None) == discord.ChannelType.private
    guild_id = message.guild.id if message.guild else getattr(channel, "guild_id", None)
    referenced = message.reference.resolved if message.reference else None
    replied_to_bot = isinstance(referenced, discord.Message) and referenced.author.id == bot_id
    mentioned = is_dm or any(user.id == bot_id for user in message.mentions) or replied_to_bot
    attachments = [
        {"filename": a.filename, "content_type": a.content_type or "", "size": a.size, "url": a.url}
        for a in message.attachments
    ]
    ignore = ""
    if not is_dm and not message.content and not attachments and not message.embeds:
        # Without the privileged intent, guild messages arrive with empty content (PLATFORMS.md §6.3).
        ignore = "empty content: enable the MESSAGE_CONTENT intent for this bot in the Developer Portal"
    is_thread = isinstance(channel, discord.Thread)
    return InboundMessage(
        platform="discord",
        dedupe_key=f"message:{message.id}",
        message_key=f"message:{message.id}",
        # A thread is a channel of its own: replying to its id keeps the thread, and its own session.
        chat_id=str(channel.id),
        thread_id="",
        text=strip_mention(message.content, str(bot_id)),
        context="dm" if is_dm else guild_context,
        sender_id=str(message.author.id),
        sender_name=message.author.global_name or message.author.name,
        message_id=str(message.id),
        mentioned=mentioned,
        # Loop guard: our own messages and other bots' (PLATFORMS.md §6.4).
        is_bot_echo=bool(message.author.bot or message.author.id == bot_id or message.webhook_id),
        ignore_reason=ignore,
        raw={
            "id": str(message.id),
            "channel_id": str(channel.id),
            "guild_id": str(guild_id or ""),
            "thread": is_thread,
            "author": {"id": str(message.author.id), "username": message.author.name, "bot": message.author.bot},
            "content": message.content,
            "attachments": attachments,
        },
    )


class DiscordListener(Listener):
    kind = "discord"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client: discord.Client | None = None

    def build_client(self) -> discord.Client:
        client = discord.Client(
            intents=gateway_intents(),
            chunk_guilds_at_startup=False,
            guild_ready_timeout=float(self.option("guild_ready_timeout", 2.0)),
        )

        @client.event
        async def on_ready() -> None:
            await asyncio.to_thread(self._in_thread, self.context.connected)

        @client.event
        async def on_message(message: discord.Message) -> None:
            await self.handle(message)

        self.client = client
        return client

    async def handle(self, message: discord.Message) -> None:
        """Normalise and hand off without starving the heartbeat: the database work runs in a thread (§6.6)."""
        assert self.client is not None
        bot_id = self.client.user.id if self.client.user else 0
        guild_context = str(self.option("guild_context", "channel") or "channel")
        inbound = inbound_from_gateway(message, bot_id=bot_id, guild_context=guild_context)
        await asyncio.to_thread(self._in_thread, self.context.deliver, [inbound])

    @staticmethod
    def _in_thread(function: Any, *args: Any) -> Any:
        try:
            return function(*args)
        finally:
            connection.close()  # executor threads outlive the call; do not leave connections behind

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        token = DiscordAdapter(self.instance).credential("token")
        client = self.build_client()
        watcher = asyncio.create_task(self._watch(client))
        try:
            await client.start(token, reconnect=True)
        except discord.LoginFailure as exc:
            raise FatalListenerError("Discord refused the bot token") from exc
        except discord.PrivilegedIntentsRequired as exc:
            raise FatalListenerError(
                "the MESSAGE_CONTENT intent is not enabled for this bot (close code 4014)"
            ) from exc
        except discord.ConnectionClosed as exc:
            if exc.code in FATAL_CLOSE_CODES:
                raise FatalListenerError(f"Discord closed the gateway with code {exc.code}") from exc
            raise ListenerError(f"Discord gateway closed with code {exc.code}") from exc
        except (discord.GatewayNotFound, discord.HTTPException, OSError) as exc:
            raise ListenerError(f"Discord gateway: {type(exc).__name__}") from exc
        finally:
            watcher.cancel()
            if not client.is_closed():
                await client.close()
        if not self.stopping.is_set():
            raise ListenerError("Discord gateway connection ended")

    async def _watch(self, client: discord.Client) -> None:
        """Close the client when asked to stop; report signs of life while it is connected."""
        ticks = 0
        while not self.stopping.is_set():
            await asyncio.sleep(0.2)
            ticks += 1
            if ticks % 150 == 0 and client.is_ready():
                await asyncio.to_thread(self._in_thread, self.context.seen)
        await client.close()
