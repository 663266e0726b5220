"""A callable tool as the runtime sees it: a name, a description and schema for the model, and a safe invoke."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agents_app.tools.schema import schema_for

MAX_RESULT_CHARS = 8000  # keep one tool result from flooding the model's context


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """What a tool produced: text for the model, and whether it was an error (sent back as the result, not raised)."""

    result: str
    error: bool = False


@dataclass(frozen=True, slots=True)
class Tool:
    """A Python callable (sync or async) exposed to models under `name`."""

    name: str
    description: str
    parameters: dict[str, Any]
    func: Callable[..., Any]

    @classmethod
    def from_function(cls, func: Callable[..., Any], *, name: str | None = None) -> Tool:
        description, parameters = schema_for(func)
        return cls(
            name=name or func.__name__, description=description or func.__name__, parameters=parameters, func=func
        )

    async def invoke(self, arguments: dict[str, Any], *, time_limit: float) -> ToolOutcome:
        """Run the tool; every failure (bad arguments, exception, timeout) becomes an error outcome for the model."""
        if "_raw" in arguments:
            return ToolOutcome(f"error: arguments were not a JSON object: {arguments['_raw'][:200]}", error=True)
        try:
            if inspect.iscoroutinefunction(self.func):
                value = await asyncio.wait_for(self.func(**arguments), time_limit)
            else:
                value = await asyncio.wait_for(asyncio.to_thread(self.func, **arguments), time_limit)
        except TimeoutError:
            return ToolOutcome(f"error: {self.name} did not finish within {time_limit:g}s", error=True)
        except Exception as exc:  # noqa: BLE001 - any tool failure goes back to the model as its result
            return ToolOutcome(f"error: {type(exc).__name__}: {exc}"[:MAX_RESULT_CHARS], error=True)
        return ToolOutcome(_as_text(value))


def _as_text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text[:MAX_RESULT_CHARS]
