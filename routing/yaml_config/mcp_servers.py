"""The `mcp_servers:` section: `<name>: {command, args, env}` (stdio) or `{url, headers}` (streamable HTTP).

Agents list a server's name among their tools. Validated with key paths, upserted by name, exported back with
env/header values that are secrets written as ${VAR} references.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from routing.yaml_config.issues import join_path

if TYPE_CHECKING:
    from routing.yaml_config.validate import Validator

SERVER_KEYS = ("command", "args", "env", "url", "headers", "timeout", "enabled")
NAME = re.compile(r"[-a-zA-Z0-9_]+")


@dataclass
class McpServerConfig:
    """One `mcp_servers.<name>` entry after validation."""

    name: str
    command: str = ""
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    enabled: bool = True


def validate_mcp_servers(validator: Validator, data: object) -> dict[str, McpServerConfig]:
    servers: dict[str, McpServerConfig] = {}
    for name, entry in validator.mapping("mcp_servers", data).items():
        path = join_path("mcp_servers", name)
        if not isinstance(name, str) or not NAME.fullmatch(name):
            validator.error(path, f"name {name!r} must use only letters, digits, '-' and '_'")
            continue
        if isinstance(entry, str):
            entry = {"command": entry}  # PraisonAI's short form: the command line
        if not isinstance(entry, dict):
            validator.typed(path, entry, dict)
            continue
        validator.unknown_keys(path, entry, SERVER_KEYS)
        server = McpServerConfig(name=name)
        if isinstance(entry.get("command"), str) and entry["command"].strip():
            words = shlex.split(entry["command"])
            server.command, server.args = words[0], words[1:]
        if "args" in entry and validator.typed(join_path(path, "args"), entry["args"], list):
            server.args = [*server.args, *(str(arg) for arg in entry["args"])]
        for key in ("env", "headers"):
            values = validator.mapping(join_path(path, key), entry.get(key))
            setattr(server, key, {str(k): str(v) for k, v in values.items()})
            for item, value in values.items():
                validator.check_reference(join_path(path, key, item), str(value))
        if entry.get("url") is not None and validator.typed(join_path(path, "url"), entry["url"], str):
            server.url = entry["url"].strip()
        if "timeout" in entry and validator.typed(join_path(path, "timeout"), entry["timeout"], float):
            if entry["timeout"] <= 0:
                validator.error(join_path(path, "timeout"), f"must be more than 0, got {entry['timeout']}")
            server.timeout = float(entry["timeout"])
        if "enabled" in entry and validator.typed(join_path(path, "enabled"), entry["enabled"], bool):
            server.enabled = entry["enabled"]
        if bool(server.command) == bool(server.url):
            validator.error(path, "give either command (a stdio server) or url (a streamable HTTP server)")
            continue
        if server.url and not server.url.startswith(("http://", "https://")):
            validator.error(join_path(path, "url"), f"must be an http:// or https:// URL, got {server.url!r}")
            continue
        servers[name] = server
    return servers


def apply_mcp_servers(servers: dict[str, McpServerConfig], upsert: Callable[..., object]) -> None:
    from agents_app.mcp.models import McpServer

    for item in servers.values():
        values = {key: getattr(item, key) for key in SERVER_KEYS}
        upsert(McpServer, "mcp_server", item.name, {"name": item.name}, values)


def export_mcp_servers(secret: Callable[[str, str, str], str]) -> dict[str, dict]:
    from agents_app.mcp.models import McpServer

    out: dict[str, dict] = {}
    for server in McpServer.objects.all():
        entry: dict[str, object] = {"url": server.url} if server.url else {"command": server.command}
        if server.args:
            entry["args"] = list(server.args)
        for key in ("env", "headers"):
            values = getattr(server, key) or {}
            if values:
                entry[key] = {k: secret(str(v), f"mcp_{server.name}", k) for k, v in values.items()}
        if server.timeout != 10.0:
            entry["timeout"] = server.timeout
        if not server.enabled:
            entry["enabled"] = False
        out[server.name] = entry
    return out
