"""Custom tools used by the runtime tests (referenced by dotted path, as an operator would)."""

from __future__ import annotations

from typing import Literal


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a + b


async def convert(amount: float, unit: Literal["km", "mi"] = "km", note: str | None = None) -> str:
    """Convert a distance between kilometres and miles.

    Args:
        amount: How far.
        unit: The unit of `amount`.
        note: Free text, ignored.
    """
    return f"{amount * 0.621371:.2f} mi" if unit == "km" else f"{amount / 0.621371:.2f} km"


def explode(reason: str) -> str:
    """Always fails, to show that tool errors go back to the model.

    Args:
        reason: The error message.
    """
    raise RuntimeError(reason)
