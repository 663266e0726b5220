"""Admin for agents, guardrails and the provider fallback."""

from __future__ import annotations
