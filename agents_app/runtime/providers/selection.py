"""Which provider answers a model name, with which endpoint and key — the routing rules of docs/agents.md.

| model | provider |
| --- | --- |
| `echo`, `offline`, `offline/<name>` | the built-in offline model |
| `anthropic/<m>`, `claude-*` | Anthropic SDK (the agent's base_url if set) |
| `openai/<m>` | OpenAI SDK (the agent's base_url if set) |
| `ollama/<m>` | OpenAI SDK at the agent's base_url, else GATEWAY_OLLAMA_BASE_URL |
| anything, with a base_url | OpenAI SDK at that base_url |
| `gpt-*`, `chatgpt-*`, `o1`/`o3`/`o4-…` | OpenAI SDK |
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Literal

from django.conf import settings

from agents_app.runtime.providers.echo import is_offline_model
from gatewaysite.secrets import referenced_variables, resolve_secret

ProviderKind = Literal["offline", "openai", "anthropic"]
OPENAI_NAMES = re.compile(r"^(gpt-|chatgpt-|o\d)")
KEYLESS_PLACEHOLDER = "not-needed"  # local OpenAI-compatible servers (Ollama, vLLM) accept any key


@dataclass(frozen=True, slots=True)
class Route:
    """Where one model call goes. `api_key` is resolved at use time and never stored or logged."""

    kind: ProviderKind
    model: str
    base_url: str | None = None
    api_key: str | None = None


class RouteError(Exception):
    """The model cannot be reached as configured; `reason` is no_key or unknown_provider."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def route_model(model: str, *, base_url: str = "", api_key: str = "") -> Route:
    """Pick the provider for `model` and resolve its key (agent's `${VAR}` key first, then the usual env var)."""
    base = base_url.strip() or None
    if is_offline_model(model):
        return Route("offline", model)
    if model.startswith("anthropic/") or model.startswith("claude-"):
        name = model.removeprefix("anthropic/")
        return Route("anthropic", name, base, _key(api_key, "ANTHROPIC_API_KEY", required=True))
    if model.startswith("openai/"):
        return Route("openai", model.removeprefix("openai/"), base, _key(api_key, "OPENAI_API_KEY", required=not base))
    if model.startswith("ollama/"):
        url = base or str(getattr(settings, "GATEWAY_OLLAMA_BASE_URL", "http://127.0.0.1:11434/v1"))
        return Route("openai", model.removeprefix("ollama/"), url, _key(api_key, "OLLAMA_API_KEY", required=False))
    if base:
        return Route("openai", model, base, _key(api_key, "OPENAI_API_KEY", required=False))
    if OPENAI_NAMES.match(model):
        return Route("openai", model, None, _key(api_key, "OPENAI_API_KEY", required=True))
    raise RouteError(
        "unknown_provider",
        "no provider for this model name (use gpt-*, claude-*, openai/…, anthropic/…, ollama/…, echo, "
        "or give the agent a base_url)",
    )


def _key(agent_key: str, env_var: str, *, required: bool) -> str:
    """The agent's key (a `${VAR}` reference is resolved now), else `env_var`; a clear error when required."""
    if agent_key.strip():
        resolved = resolve_secret(agent_key.strip())
        if resolved is None:
            names = ", ".join(referenced_variables(agent_key)) or "?"
            raise RouteError("no_key", f"api_key refers to ${{{names}}}, which is not set in the environment")
        return resolved
    from_env = os.environ.get(env_var, "").strip()
    if from_env:
        return from_env
    if required:
        raise RouteError("no_key", f"no API key: set the agent's api_key or the {env_var} environment variable")
    return KEYLESS_PLACEHOLDER
