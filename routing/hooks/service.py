"""Running a hook: claim its idempotency key, render the prompt, run the agent through the turn service, deliver.

A failed run releases its key (the row stays, marked failed) so the sender's retry runs again, as PraisonAI does;
a running or finished one answers `deduplicated`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents_app.runtime import AgentError
from channels_app.models import ChannelInstance
from routing.hooks.models import Hook, HookRun
from routing.hooks.templates import render
from routing.models import Session
from routing.pipeline import turns
from routing.pipeline.delivery import DeliveryFailed, deliver_text
from routing.pipeline.sessions import SessionSpec

log = logging.getLogger(__name__)


class HookTargetError(ValueError):
    """`deliver_to` names no usable channel instance."""


@dataclass(frozen=True)
class Target:
    instance: ChannelInstance
    chat_id: str
    thread_id: str = ""

    def __str__(self) -> str:
        return f"{self.instance.name}:{self.chat_id}" + (f":{self.thread_id}" if self.thread_id else "")


def resolve_target(deliver_to: str) -> Target:
    """`<channel>:<chat>[:<thread>]`; the channel is an instance name, or a platform with exactly one instance."""
    channel, _, rest = deliver_to.partition(":")
    chat_id, _, thread_id = rest.partition(":")
    if not channel or not chat_id:
        raise HookTargetError(f"deliver_to {deliver_to!r} must be <channel>:<chat id>[:<thread>]")
    instance = ChannelInstance.objects.filter(name=channel).first()
    if instance is None:
        candidates = list(ChannelInstance.objects.filter(platform=channel, enabled=True)[:2])
        if len(candidates) != 1:
            found = "no" if not candidates else "more than one"
            raise HookTargetError(f"deliver_to {deliver_to!r}: {found} enabled {channel!r} instance")
        instance = candidates[0]
    return Target(instance, chat_id, thread_id)


def idempotency_key(hook: Hook, payload: dict) -> str:
    rendered = render(hook.idempotency_key, payload).strip() if hook.idempotency_key else ""
    basis = rendered or json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{hook.path}\x00{basis}".encode()).hexdigest()


def _claim(hook: Hook, key: str) -> HookRun | None:
    """A new run for this key, a failed one reopened, or None when the key is running or done."""
    try:
        with transaction.atomic():
            return HookRun.objects.create(hook=hook, key=key)
    except IntegrityError:
        reopened = HookRun.objects.filter(hook=hook, key=key, status=HookRun.Status.FAILED).update(
            status=HookRun.Status.RUNNING, error="", finished_at=None
        )
        return HookRun.objects.get(hook=hook, key=key) if reopened else None


def _session_key(hook: Hook, payload: dict) -> str:
    chosen = render(hook.session_key, payload).strip() if hook.session_key else ""
    key = f"hook:{hook.path}:{chosen}" if chosen else f"hook:{hook.path}"
    return key if len(key) <= 255 else f"hook:{hashlib.sha256(key.encode()).hexdigest()}"


def hook_execute(hook: Hook, payload: dict) -> tuple[int, dict]:
    """Run one delivery; returns the HTTP status and the JSON body the caller gets."""
    run = _claim(hook, idempotency_key(hook, payload))
    if run is None:
        return 200, {"ok": True, "deduplicated": True}
    try:
        target = resolve_target(hook.deliver_to) if hook.deliver_to else None
        message = render(hook.message, payload) if hook.message else json.dumps(payload, ensure_ascii=False, indent=2)
        if hook.deliver_only:
            reply = message
        else:
            if not hook.agent.enabled:
                raise AgentError(f"agent '{hook.agent.name}' is disabled")
            spec = SessionSpec(
                key=_session_key(hook, payload),
                kind=Session.Kind.API,
                instance=target.instance if target else None,
                chat_id=target.chat_id if target else "",
                thread_id=target.thread_id if target else "",
                metadata={"hook": hook.path},
            )
            outcome = async_to_sync(turns.run)(
                "hook", hook.agent, message, spec, context={"hook": hook.path, "hook_run": run.pk}
            )
            reply = outcome.reply.text
        HookRun.objects.filter(pk=run.pk).update(reply=reply)
        if target is not None:
            deliver_text(target.instance, target.chat_id, target.thread_id, reply, f"hook-run:{run.pk}")
    except (AgentError, HookTargetError, DeliveryFailed) as exc:
        _finish(run, HookRun.Status.FAILED, error=str(exc))
        return 502, {"ok": False, "error": str(exc), "run": run.pk}
    except Exception as exc:  # the run must end recorded whatever broke; the traceback goes to the log
        log.exception("hook %s run %s failed", hook.path, run.pk)
        _finish(run, HookRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
        return 500, {"ok": False, "error": "internal error", "run": run.pk}
    delivered = str(target) if target else ""
    _finish(run, HookRun.Status.DONE, delivered_to=delivered)
    return 200, {"ok": True, "run": run.pk, "reply": reply, "delivered_to": delivered}


def _finish(run: HookRun, status: str, **fields: str) -> None:
    HookRun.objects.filter(pk=run.pk).update(status=status, finished_at=timezone.now(), **fields)
