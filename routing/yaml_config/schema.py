"""The keys gateway.yaml accepts, with their types; the validator and the README reference follow this table."""

from __future__ import annotations

TOP_LEVEL_KEYS = (
    "config_version",
    "gateway",
    "agents",
    "channels",
    "schedules",
    "guardrails",
    "provider",
    "hooks",
    "mcp_servers",
)

# gateway: key → (type, GatewaySettings field or None when nested)
GATEWAY_KEYS: dict[str, type] = {
    "host": str,
    "port": int,
    "auth_token": str,
    "allowed_origins": list,
    "max_connections": int,
    "heartbeat_interval": int,
    "reconnect_timeout": int,
    "ssl_cert": str,
    "ssl_key": str,
    "session_config": dict,
    "session": dict,
    "push": dict,
    "auth": dict,
    "session_reset_commands": list,
    "background_command": str,
    "background_notification_level": str,
    "max_background_tasks": int,
}
NOTIFICATION_LEVELS = ("all", "result", "error", "off")
SESSION_KEYS: dict[str, str] = {"timeout": "session_timeout", "max_messages": "session_max_messages"}
PUSH_KEYS: dict[str, type] = {
    "enabled": bool,
    "ack_timeout": int,
    "max_retries": int,
    "retention_seconds": int,
    "presence_timeout": int,
    "poll_timeout": int,
}

AGENT_KEYS: dict[str, type] = {
    "instructions": str,
    "system_prompt": str,
    "model": str,
    "temperature": float,
    "tools": list,
    "memory": bool,
    "base_url": str,
    "api_key": str,
    "enabled": bool,
    "delegates": list,
}

CHANNEL_STRUCTURAL_KEYS: dict[str, type] = {
    "platform": str,
    "enabled": bool,
    "routing": dict,
    "routes": dict,
    "api_base_url": str,
}
ROUTING_CONTEXTS = ("dm", "group", "channel", "default")

SCHEDULE_KEYS: dict[str, type] = {
    "schedule": str,
    "cron": str,
    "every": str,
    "at": str,
    "message": str,
    "prompt": str,
    "agent_id": str,
    "agent": str,
    "channel": str,
    "channel_id": str,
    "thread_id": str,
    "deliver": dict,
    "timezone": str,
    "missed_runs": str,
    "enabled": bool,
}
DELIVER_KEYS: dict[str, type] = {"channel": str, "channel_id": str, "thread_id": str}
MISSED_RUN_POLICIES = ("skip", "run_once")

GUARDRAIL_KEYS: dict[str, type] = {"description": str, "agent_name": str, "enabled": bool}
PROVIDER_KEYS: dict[str, type] = {"model": str}
