"""One truth for an instance's health: its state, whether that is fine, why, and its last error.

Every place that shows instance health — the dashboard (/api/v1/status), /health, `gateway_status` and the admin —
reads `instance_states()`, so they can never disagree. States, first match wins:

- `disabled` (ok): switched off by the operator.
- `paused` (ok): messages are stored, not answered.
- `not configured` (not ok): a required credential is missing or its `${VAR}` is not set.
- a listener's own state (`running`, `standby`, `backoff`, `failed`, `starting`) for instances fed by a listener.
- `degraded` (not ok): a delivery failed in the last hour, or the last error is newer than the last message sent.
- `healthy` (ok).

`last_error` is never blank when the state is not ok: it is the newest of the instance's recorded error, its
listener's, and its latest failed delivery, each naming where it happened.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone

from channels_app.models import ChannelInstance, OutboundMessage

RECENT = timedelta(hours=1)


def record_instance_error(instance_id: int, error: str, at: datetime | None = None) -> None:
    """The one writer of an instance's `last_error`: a permanent delivery failure, a listener error, a failed
    delivery receipt. The text names where it happened; it holds no secrets (adapters' errors never do)."""
    ChannelInstance.objects.filter(pk=instance_id).update(last_error=error[:2000], last_error_at=at or timezone.now())


@dataclass(frozen=True)
class InstanceState:
    """An instance's health as every page shows it."""

    name: str
    platform: str
    enabled: bool
    state: str
    ok: bool
    reason: str
    last_error: str
    last_error_at: datetime | None
    listener: str  # "webhook", or the listener's kind and status ("socket: running")
    pending_deliveries: int
    failed_deliveries: int
    failed_last_hour: int

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_error_at"] = self.last_error_at.isoformat() if self.last_error_at else None
        return data


def unresolved_credentials(instance: ChannelInstance) -> list[str]:
    """Required credentials that are missing or whose `${VAR}` is not set ("token (${SLACK_TOKEN} is not set)")."""
    from gatewaysite.secrets import resolve_secret

    spec = instance.spec
    if spec is None:
        return []
    credentials = instance.credentials or {}
    problems = []
    for alternatives in spec.required:
        if any(resolve_secret(str(credentials.get(key) or "")) for key in alternatives):
            continue
        named = [key for key in alternatives if credentials.get(key)]
        if named:
            problems.append(", ".join(f"{key} ({credentials[key]} is not set)" for key in named))
        else:
            problems.append(" or ".join(alternatives) + " missing")
    return problems


def _listener_states() -> dict[int, Any]:
    try:
        from channels_app.listeners.models import ListenerState
    except ImportError:  # pragma: no cover - the listeners app is always installed here
        return {}
    return {state.instance_id: state for state in ListenerState.objects.all()}


def _uses_listener(instance: ChannelInstance) -> bool:
    try:
        from channels_app.listeners.modes import receive_mode
    except ImportError:
        return False
    try:
        return bool(receive_mode(instance).listener)
    except Exception:  # a mode that cannot be decided is not a listener's
        return False


def _newest(*errors: tuple[str, datetime | None]) -> tuple[str, datetime | None]:
    known = [(text, at) for text, at in errors if text]
    if not known:
        return "", None
    return max(known, key=lambda item: item[1] or datetime.min.replace(tzinfo=UTC))


def instance_states() -> list[InstanceState]:
    """Every instance's state, by name."""
    since = timezone.now() - RECENT
    listeners = _listener_states()
    rows = ChannelInstance.objects.annotate(
        pending=Count("outbound_messages", filter=Q(outbound_messages__status=OutboundMessage.Status.PENDING)),
        failed=Count("outbound_messages", filter=Q(outbound_messages__status=OutboundMessage.Status.FAILED)),
        failed_recent=Count(
            "outbound_messages",
            filter=Q(outbound_messages__status=OutboundMessage.Status.FAILED, outbound_messages__created_at__gte=since),
        ),
        last_sent_at=Max("outbound_messages__sent_at"),
    ).order_by("name")
    return [_state_of(instance, listeners.get(instance.pk)) for instance in rows]


def _latest_failed_delivery(instance: ChannelInstance) -> tuple[str, datetime | None]:
    row = (
        OutboundMessage.objects.filter(instance=instance, status=OutboundMessage.Status.FAILED)
        .exclude(error="an earlier chunk failed")
        .order_by("-created_at")
        .values("error", "created_at")
        .first()
    )
    if row is None:
        return "", None
    error = row["error"] or "delivery failed"
    return (error if error.startswith(f"{instance.platform}:") else f"{instance.platform}: {error}"), row["created_at"]


def _state_of(instance: ChannelInstance, listener: Any) -> InstanceState:
    listener_text = f"{listener.kind}: {listener.status}" if listener is not None else "webhook"
    delivery_error = _latest_failed_delivery(instance) if instance.failed else ("", None)
    listener_error = (listener.last_error, listener.last_error_at) if listener is not None else ("", None)
    last_error, last_error_at = _newest((instance.last_error, instance.last_error_at), listener_error, delivery_error)
    paused = bool(getattr(instance, "paused", False))
    unresolved = unresolved_credentials(instance) if instance.enabled else []
    if not instance.enabled:
        state, ok, reason = "disabled", True, "disabled by the operator"
    elif paused:
        state, ok, reason = "paused", True, "paused: messages are stored, not answered"
    elif unresolved:
        state, ok = "not configured", False
        reason = "credentials not set: " + "; ".join(unresolved)
        last_error = last_error or reason
    elif listener is None and _uses_listener(instance):
        state, ok, reason = "starting", False, "no listener has started yet"
    elif listener is not None and listener.status in ("failed", "backoff"):
        state, ok, reason = str(listener.status), False, listener.last_error or f"listener {listener.status}"
    elif instance.failed_recent or (
        last_error and last_error_at and (instance.last_sent_at is None or last_error_at > instance.last_sent_at)
    ):
        state, ok, reason = "degraded", False, last_error or "a delivery failed"
    else:
        state, ok, reason = "healthy", True, ""
    return InstanceState(
        name=instance.name,
        platform=instance.platform,
        enabled=instance.enabled,
        state=state,
        ok=ok,
        reason=reason,
        last_error=last_error,
        last_error_at=last_error_at,
        listener=listener_text,
        pending_deliveries=instance.pending,
        failed_deliveries=instance.failed,
        failed_last_hour=instance.failed_recent,
    )
