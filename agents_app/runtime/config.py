"""Runtime knobs read from Django settings at use time, each with a sensible default.

Read lazily (not at import) so tests can override them with `settings` fixtures and short values.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

DEFAULT_REFUSAL = "Sorry, I can't help with that."


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
        call_timeout=float(getattr(settings, "GATEWAY_LLM_TIMEOUT", 60.0)),
        max_retries=int(getattr(settings, "GATEWAY_LLM_MAX_RETRIES", 2)),
        max_tool_iterations=int(getattr(settings, "GATEWAY_AGENT_MAX_TOOL_ITERATIONS", 6)),
        max_run_seconds=float(getattr(settings, "GATEWAY_AGENT_MAX_SECONDS", 180.0)),
        max_concurrent_queries=int(getattr(settings, "GATEWAY_MAX_CONCURRENT_QUERIES", 8)),
        max_tokens=int(getattr(settings, "GATEWAY_LLM_MAX_TOKENS", 1024)),
        tool_timeout=float(getattr(settings, "GATEWAY_TOOL_TIMEOUT", 20.0)),
        refusal_text=str(getattr(settings, "GATEWAY_GUARDRAIL_REFUSAL", DEFAULT_REFUSAL)),
    )
