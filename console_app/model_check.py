"""Check an agent's model and key when it is saved, so a typo or a missing key is caught in the admin, not at the
first customer message: a model no provider knows is a warning (with a did-you-mean), a missing key is an error
naming the variable to set."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

KNOWN_MODELS = (
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-4-turbo",
    "gpt-4",
    "gpt-3.5-turbo",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "o1",
    "o1-mini",
    "o3",
    "o3-mini",
    "o4-mini",
    "claude-3-5-sonnet-latest",
    "claude-3-5-haiku-latest",
    "claude-3-7-sonnet-latest",
    "claude-sonnet-4-0",
    "claude-opus-4-0",
    "claude-3-opus-latest",
    "claude-3-haiku-20240307",
    "echo",
)


@dataclass
class ModelCheck:
    """What saving this agent would mean: errors block the save, warnings are shown after it."""

    errors: dict[str, str] = field(default_factory=dict)  # form field → message
    warnings: list[str] = field(default_factory=list)


def _suggest(model: str) -> str:
    close = difflib.get_close_matches(model, KNOWN_MODELS, n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_model(model: str, *, base_url: str = "", api_key: str = "") -> ModelCheck:
    """Route `model` the way the runtime will; an empty model is left to the provider fallback."""
    from agents_app.runtime.providers.selection import RouteError, route_model

    result = ModelCheck()
    model = (model or "").strip()
    if not model:
        return result
    try:
        route_model(model, base_url=base_url or "", api_key=api_key or "")
    except RouteError as exc:
        if exc.reason == "no_key":
            result.errors["api_key"] = f"model '{model}' cannot be used: {exc.detail}"
        else:
            result.warnings.append(f"model '{model}': {exc.detail}{_suggest(model)}")
        return result
    custom = bool((base_url or "").strip()) or "/" in model
    bare = model.removeprefix("openai/").removeprefix("anthropic/")
    if not custom and bare not in KNOWN_MODELS and not any(bare.startswith(k + "-") for k in KNOWN_MODELS):
        result.warnings.append(f"model '{model}' is not a model name this gateway knows{_suggest(bare)}")
    return result
