"""The knobs of the WebSocket plane, read once per connection from GatewaySettings plus Django-settings overrides.

Operators set them in the admin / gateway.yaml (GatewaySettings, push_options); tests and benches override any of them
with a GATEWAY_WS_<NAME> Django setting (e.g. GATEWAY_WS_HEARTBEAT_INTERVAL = 0.2) so nothing waits for seconds;
gatewaysite/settings.py reads the same names from the environment once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from django.conf import settings

from channels_app.models import GatewaySettings
from gatewaysite.gateway_token import generated_token
from gatewaysite.secrets import resolve_secret
from gatewaysite.ttl_cache import MISS, TTLCache

PUSH_DEFAULTS = {
    "ack_timeout": 30.0,
    "max_retries": 3,
    "retention_seconds": 86400,
    "presence_timeout": 45.0,
    "poll_timeout": 30.0,
    "poll_batch": 100,
}


@dataclass(frozen=True, slots=True)
class RealtimeConfig:
    """Everything a connection needs to know about limits and timing, resolved (secrets included) at connect time."""

    auth_token: str | None = None
    allowed_origins: tuple[str, ...] = ()
    max_connections: int = 1000
    heartbeat_interval: float = 30.0
    reconnect_timeout: float = 60.0
    session_timeout: float = 3600.0
    session_max_messages: int = 1000
    push_enabled: bool = False
    ack_timeout: float = 30.0
    max_retries: int = 3
    retention_seconds: float = 86400.0
    presence_timeout: float = 45.0
    poll_timeout: float = 30.0
    poll_batch: int = 100
    max_payload: int = 1024 * 1024
    max_queued_frames: int = 1000
    max_unacked: int = 1000
    turn_timeout: float = 300.0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def heartbeat_ms(self) -> int:
        return int(self.heartbeat_interval * 1000)


def _override(name: str, value: object) -> object:
    """A GATEWAY_WS_<NAME> Django setting wins over the database value.

    gatewaysite/settings.py sets it from the same-named environment variable, as text (subprocess servers in process
    tests and benches run with short timings this way); text is converted here to the field's type.
    """
    key = f"GATEWAY_WS_{name.upper()}"
    if not hasattr(settings, key):
        return value
    raw = getattr(settings, key)
    if not isinstance(raw, str) or value is None or isinstance(value, str):
        return raw
    if isinstance(value, bool):
        return raw.lower() in {"1", "true", "yes", "on"}
    if isinstance(value, int):
        return int(raw)
    if isinstance(value, float):
        return float(raw)
    if isinstance(value, tuple):
        return tuple(v.strip() for v in raw.split(",") if v.strip())
    return raw


def config_ttl() -> float:
    """Seconds a process reuses the config it read (settings.GATEWAY_WS_CONFIG_TTL; 0 reads the database every time).

    Under tests the default is 0: test databases change between (and within) tests.
    """
    return float(getattr(settings, "GATEWAY_WS_CONFIG_TTL", 0.0))


_cache: TTLCache[RealtimeConfig] = TTLCache(config_ttl)


def load_config() -> RealtimeConfig:
    """The current config; re-read at most every config_ttl() seconds so a burst of connects costs one query."""
    return _cache.get("config", read_config)


def cached_config() -> RealtimeConfig | None:
    """The config this process read less than config_ttl() ago, without touching the database (async-safe)."""
    hit = _cache.peek("config")
    return None if hit is MISS else hit


def read_config() -> RealtimeConfig:
    """Read GatewaySettings (creating the row with defaults on first use) and apply overrides."""
    gs = GatewaySettings.load()
    push = {**PUSH_DEFAULTS, **(gs.push_options or {})}
    values: dict[str, object] = {
        # No token configured, or a ${VAR} whose variable is unset (examples/gateway.yaml on `make run`): the one a
        # loopback rungateway generated (gatewaysite.gateway_token), if any — the token it printed must work.
        "auth_token": (resolve_secret(gs.auth_token) if gs.auth_token else "") or generated_token(),
        "allowed_origins": tuple(gs.allowed_origins or ()),
        "max_connections": gs.max_connections,
        "heartbeat_interval": float(gs.heartbeat_interval),
        "reconnect_timeout": float(gs.reconnect_timeout),
        "session_timeout": float(gs.session_timeout),
        "session_max_messages": gs.session_max_messages,
        "push_enabled": gs.push_enabled,
        "ack_timeout": float(push["ack_timeout"]),
        "max_retries": int(push["max_retries"]),
        "retention_seconds": float(push["retention_seconds"]),
        "presence_timeout": float(push["presence_timeout"]),
        "poll_timeout": float(push["poll_timeout"]),
        "poll_batch": int(push["poll_batch"]),
    }
    for f in fields(RealtimeConfig):
        if f.name == "extra":
            continue
        current = values.get(f.name, f.default)
        values[f.name] = _override(f.name, current)
    if isinstance(values["allowed_origins"], list):
        values["allowed_origins"] = tuple(values["allowed_origins"])
    return RealtimeConfig(**values)  # type: ignore[arg-type]
