"""Tool activity while an agent works ("Using search_web…"), so a long tool run is not silence in the chat.

Where the platform lets a bot edit and delete its messages (Slack, Telegram, Discord) one status line is posted at
the first tool, edited at each next one, and deleted when the answer is delivered. Elsewhere the typing indicator
("composing" on WhatsApp) is shown at each tool. Option `tool_activity` (default on) turns it off per instance.
Best effort throughout: a failed status update never fails the turn.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from channels_app.adapters import Adapter, DeliveryError, NotConfigured, Target

logger = logging.getLogger(__name__)


class ToolActivity:
    """The status line of one turn."""

    def __init__(self, adapter: Adapter, target: Target, *, enabled: bool = True) -> None:
        self.adapter = adapter
        self.target = target
        self.enabled = enabled
        self.message_id = ""
        self._lock = threading.Lock()

    def tool(self, name: str) -> None:
        """The agent started tool `name`."""
        if not self.enabled:
            return
        text = f"Using {name}…"
        with self._lock:
            try:
                if self.message_id:
                    self.adapter.edit_activity(self.target, self.message_id, text)
                    return
                self.message_id = self.adapter.post_activity(self.target, text)
                if not self.message_id:
                    self.adapter.typing(self.target)
            except (DeliveryError, NotConfigured) as exc:
                logger.info("tool activity on %s not shown: %s", self.adapter.platform, exc)

    async def on_event(self, kind: str, data: dict) -> None:
        """The turn service's stream callback: a tool call shows (HTTP off the event loop)."""
        if kind == "tool_call_stream":
            await asyncio.to_thread(self.tool, str(data.get("name") or "a tool"))

    def done(self) -> None:
        """The answer is there: take the status line away."""
        with self._lock:
            if not self.message_id:
                return
            try:
                self.adapter.delete_activity(self.target, self.message_id)
            except (DeliveryError, NotConfigured) as exc:
                logger.info("tool activity on %s not removed: %s", self.adapter.platform, exc)
            self.message_id = ""
