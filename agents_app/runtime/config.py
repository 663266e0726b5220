"""Runtime knobs read from Django settings at use time (defaults and environment: gatewaysite/settings.py, once).

Read lazily (not at import) so tests can override them with `settings` fixtures and short values.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True, slots=True)
class RuntimeConfig:
    """A snapshot of the settings one run uses."""

    call_timeout: float
    max_retries: int
    max_tool_iterations: int
    max_run_seconds: float
    max_concurrent_queries: int
    max_tokens: int
    tool_timeout: float
    refusal_text: str


def runtime_config() -> RuntimeConfig:
    """Current settings: GATEWAY_LLM_TIMEOUT, GATEWAY_LLM_MAX_RETRIES, GATEWAY_AGENT_MAX_TOOL_ITERATIONS, …"""
    return RuntimeConfig(
        call_timeout=float(settings.GATEWAY_LLM_TIMEOUT),
        max_retries=int(settings.GATEWAY_LLM_MAX_RETRIES),
        max_tool_iterations=int(settings.GATEWAY_AGENT_MAX_TOOL_ITERATIONS),
        max_run_seconds=float(settings.GATEWAY_AGENT_MAX_SECONDS),
        max_concurrent_queries=int(settings.GATEWAY_MAX_CONCURRENT_QUERIES),
        max_tokens=int(settings.GATEWAY_LLM_MAX_TOKENS),
        tool_timeout=float(settings.GATEWAY_TOOL_TIMEOUT),
        refusal_text=str(settings.GATEWAY_GUARDRAIL_REFUSAL),
    )
