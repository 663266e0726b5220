"""What every listener is: a blocking `run()` that returns once `stop()` is called, fed a context for the rest.

The supervisor owns threads, leases, backoff and health; a listener only speaks its platform's protocol and hands
normalised messages to `context.deliver(...)`, which stores them through the same intake as the webhooks.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from channels_app.listeners.context import ListenerContext
    from channels_app.models import ChannelInstance


class ListenerError(Exception):
    """A transient failure (network, server hiccup): the supervisor reconnects with backoff."""


class FatalListenerError(ListenerError):
    """A failure retrying cannot fix (bad token, missing intent, 409 webhook active): recorded, retried rarely."""


class Listener:
    """Base class: subclasses set `kind` and implement `run()`; `stop()` must make `run()` return promptly."""

    kind: ClassVar[str] = ""

    def __init__(self, instance: ChannelInstance, context: ListenerContext) -> None:
        self.instance = instance
        self.context = context
        self.stopping = threading.Event()

    def lease_identity(self) -> str:
        """What the single-holder lease is keyed on: the credential two processes must not share."""
        return str((self.instance.credentials or {}).get("token") or self.instance.name)

    def run(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Ask `run()` to return; called from another thread."""
        self.stopping.set()

    def option(self, key: str, default: Any = None) -> Any:
        value = (self.instance.options or {}).get(key)
        return default if value is None else value
