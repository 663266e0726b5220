"""SDK exceptions turned into one provider-neutral failure the runtime can name to the operator.

The Anthropic SDK is not imported here (it costs ~75 MB of resident memory): an Anthropic exception can only exist
once the SDK was imported by the Anthropic provider, so its classes are looked up in `sys.modules` when needed.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import openai

if TYPE_CHECKING:
    import anthropic


class ProviderFailure(Exception):
    """A model call failed for a reason the runtime reports as AgentError (it adds the agent and model names)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def translate_sdk_error(exc: Exception) -> ProviderFailure:
    """Classify an openai/anthropic SDK error; the SDK has already retried what was retryable."""
    sdks = [openai, *([sys.modules["anthropic"]] if "anthropic" in sys.modules else [])]

    def caught(name: str) -> bool:
        return isinstance(exc, tuple(getattr(sdk, name) for sdk in sdks))

    if caught("APITimeoutError"):
        return ProviderFailure("timeout", "the model did not answer in time")
    if caught("APIConnectionError"):
        return ProviderFailure("unreachable", f"cannot reach the model endpoint ({exc.request.url.host})")  # type: ignore[attr-defined]
    if caught("AuthenticationError"):
        return ProviderFailure("no_key", "the endpoint rejected the API key (401)")
    if caught("APIStatusError"):
        message = _short_message(exc)  # type: ignore[arg-type]
        return ProviderFailure("provider_error", f"the endpoint answered HTTP {exc.status_code}: {message}")  # type: ignore[attr-defined]
    return ProviderFailure("provider_error", f"{type(exc).__name__}: {exc}")


def _short_message(exc: openai.APIStatusError | anthropic.APIStatusError) -> str:
    """The provider's own error message, short, without echoing request data."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"][:200]
    return str(getattr(exc, "message", "") or "")[:200]
