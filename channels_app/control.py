"""Operator control of one channel instance: pause, resume, reconnect (PraisonAI's `gateway pause|resume|reconnect`).

Pause keeps the instance receiving and storing (nothing a platform sends is lost or refused) but answers nothing until
it is resumed. Reconnect restarts the instance's listener: the change of `updated_at` is what every listener
supervisor, in whichever process holds the listener, reacts to on its next reconcile.
"""

from __future__ import annotations

from dataclasses import dataclass

from channels_app.listeners.modes import receive_mode
from channels_app.models import ChannelInstance

ACTIONS = ("pause", "resume", "reconnect")


@dataclass(frozen=True, slots=True)
class ControlResult:
    success: bool
    message: str
    paused: bool = False


def instance_control(name: str, action: str) -> ControlResult | None:
    """Apply `action` to the instance called `name`; None when there is no such instance."""
    instance = ChannelInstance.objects.filter(name=name).first()
    if instance is None:
        return None
    if action == "pause":
        instance.paused = True
        instance.save(update_fields=["paused", "updated_at"])  # save, not update: caches listen to post_save
        return ControlResult(True, f"Channel '{name}' paused: messages are stored, not answered", True)
    if action == "resume":
        instance.paused = False
        instance.save(update_fields=["paused", "updated_at"])
        return ControlResult(True, f"Channel '{name}' resumed", False)
    if action == "reconnect":
        mode = receive_mode(instance)
        instance.save(update_fields=["updated_at"])
        if not mode.listener:
            message = f"Channel '{name}' has no listener to restart ({mode.mode}: {mode.reason})"
        elif not instance.enabled:
            message = f"Channel '{name}' is disabled: its listener stays stopped"
        else:
            message = f"Channel '{name}' reconnecting: its {mode.listener} listener restarts within seconds"
        return ControlResult(True, message, instance.paused)
    raise ValueError(f"unknown action {action!r}")
