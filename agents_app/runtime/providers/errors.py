"""SDK exceptions turned into one provider-neutral failure the runtime can name to the operator."""

from __future__ import annotations

import anthropic
import openai


class ProviderFailure(Exception):
    """A model call failed for a reason the runtime reports as AgentError (it adds the agent and model names)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def translate_sdk_error(exc: Exception) -> ProviderFailure:
    """Classify an openai/anthropic SDK error; the SDK has already retried what was retryable."""
    if isinstance(exc, openai.APITimeoutError | anthropic.APITimeoutError):
        return ProviderFailure("timeout", "the model did not answer in time")
    if isinstance(exc, openai.APIConnectionError | anthropic.APIConnectionError):
        return ProviderFailure("unreachable", f"cannot reach the model endpoint ({exc.request.url.host})")
    if isinstance(exc, openai.AuthenticationError | anthropic.AuthenticationError):
        return ProviderFailure("no_key", "the endpoint rejected the API key (401)")
    if isinstance(exc, openai.APIStatusError | anthropic.APIStatusError):
        message = _short_message(exc)
        return ProviderFailure("provider_error", f"the endpoint answered HTTP {exc.status_code}: {message}")
    return ProviderFailure("provider_error", f"{type(exc).__name__}: {exc}")


def _short_message(exc: openai.APIStatusError | anthropic.APIStatusError) -> str:
    """The provider's own error message, short, without echoing request data."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"][:200]
    return str(getattr(exc, "message", "") or "")[:200]
