"""The `hooks:` section of gateway.yaml: validated with key paths, upserted by path, exported back.

Kept beside the hook model so the YAML layer only calls three functions (validate, apply, export).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from routing.yaml_config.issues import join_path

if TYPE_CHECKING:
    from routing.yaml_config.validate import Validator

PATH = re.compile(r"[-a-zA-Z0-9_.]+(/[-a-zA-Z0-9_.]+)*")
STRING_KEYS = (
    "agent",
    "auth",
    "deliver_to",
    "message",
    "session_key",
    "idempotency_key",
    "secret",
    "signature_header",
    "signature_prefix",
)
HOOK_KEYS = ("path", *STRING_KEYS, "deliver_only", "enabled")
SECRET_KEYS = ("auth", "secret")


@dataclass
class HookConfig:
    """One `hooks[]` entry after validation."""

    path: str
    agent: str
    auth: str = ""
    deliver_to: str = ""
    message: str = ""
    session_key: str = ""
    idempotency_key: str = ""
    secret: str = ""
    signature_header: str = ""
    signature_prefix: str = ""
    deliver_only: bool = False
    enabled: bool = True


def validate_hooks(validator: Validator, data: object, agents: Mapping[str, bool]) -> list[HookConfig]:
    """Every entry checked; a path given twice, an unknown agent or a malformed deliver_to is an error."""
    if data is None:
        return []
    if not isinstance(data, list):
        validator.typed("hooks", data, list)
        return []
    hooks: list[HookConfig] = []
    seen: set[str] = set()
    for index, entry in enumerate(data):
        path = f"hooks[{index}]"
        if not isinstance(entry, dict):
            validator.typed(path, entry, dict)
            continue
        validator.unknown_keys(path, entry, HOOK_KEYS)
        url_path = str(entry.get("path") or "").strip("/")
        if not url_path or not PATH.fullmatch(url_path):
            validator.error(
                join_path(path, "path"), f"must be a URL path like 'gmail' or 'ci/deploys', got {url_path!r}"
            )
            continue
        if url_path in seen:
            validator.error(join_path(path, "path"), f"hook '{url_path}' is defined twice")
            continue
        seen.add(url_path)
        values: dict[str, object] = {}
        for key in STRING_KEYS:
            if entry.get(key) is not None and validator.typed(join_path(path, key), entry[key], str):
                values[key] = entry[key]
                if key in SECRET_KEYS:
                    validator.check_reference(join_path(path, key), entry[key])
        for key in ("deliver_only", "enabled"):
            if key in entry and validator.typed(join_path(path, key), entry[key], bool):
                values[key] = entry[key]
        agent = validator.agent_reference(join_path(path, "agent"), entry.get("agent"), agents)
        target = str(values.get("deliver_to") or "")
        if target and (":" not in target or not all(target.split(":")[:2])):
            validator.error(join_path(path, "deliver_to"), f"must be <channel>:<chat id>[:<thread>], got {target!r}")
            continue
        if values.get("secret") and not values.get("signature_header"):
            values["signature_header"] = "X-Signature-256"
        if agent:
            hooks.append(HookConfig(path=url_path, **{**values, "agent": agent}))
    return hooks


def apply_hooks(hooks: list[HookConfig], upsert: Callable[..., object], agent: Callable[[str], object]) -> None:
    from routing.hooks.models import Hook

    for item in hooks:
        values = {key: getattr(item, key) for key in HOOK_KEYS if key not in ("path", "agent")}
        upsert(Hook, "hook", item.path, {"path": item.path}, {**values, "agent": agent(item.agent)})


def export_hooks(secret: Callable[[str, str, str], str]) -> list[dict]:
    from routing.hooks.models import Hook

    out = []
    for hook in Hook.objects.select_related("agent"):
        entry: dict[str, object] = {"path": hook.path, "agent": hook.agent.name}
        for key in STRING_KEYS[1:]:
            value = getattr(hook, key)
            if value:
                entry[key] = secret(value, f"hook_{hook.path}", key) if key in SECRET_KEYS else value
        if hook.deliver_only:
            entry["deliver_only"] = True
        if not hook.enabled:
            entry["enabled"] = False
        out.append(entry)
    return out
