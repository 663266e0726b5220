"""Custom tools used by the runtime tests, registered as a deployment would: this module is in GATEWAY_TOOL_MODULES
(set for the test run in conftest.py) and each function is decorated with @gateway_tool."""

from __future__ import annotations

from typing import Literal

from agents_app.tools.registry import gateway_tool


@gateway_tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a + b


@gateway_tool
async def convert(amount: float, unit: Literal["km", "mi"] = "km", note: str | None = None) -> str:
    """Convert a distance between kilometres and miles.

    Args:
        amount: How far.
        unit: The unit of `amount`.
        note: Free text, ignored.
    """
    return f"{amount * 0.621371:.2f} mi" if unit == "km" else f"{amount / 0.621371:.2f} km"


@gateway_tool
def explode(reason: str) -> str:
    """Always fails, to show that tool errors go back to the model.

    Args:
        reason: The error message.
    """
    raise RuntimeError(reason)
