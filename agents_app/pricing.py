"""What a run cost: tokens × the per-model price table (ModelPrice, edited in the admin)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from agents_app.models import ModelPrice


@dataclass(frozen=True)
class Cost:
    """A run's cost in one currency; `priced` is False when no price row matches its model."""

    amount: Decimal
    currency: str
    priced: bool

    def __str__(self) -> str:
        return f"{self.amount:.6f} {self.currency}" if self.priced else "no price set"


def price_for(model: str, prices: list[ModelPrice] | None = None) -> ModelPrice | None:
    """The row for `model`: an exact name, else the longest `prefix*` that matches."""
    rows = prices if prices is not None else list(ModelPrice.objects.all())
    best: ModelPrice | None = None
    for row in rows:
        if row.model == model:
            return row
        prefix = row.model.endswith("*") and model.startswith(row.model[:-1])
        if prefix and (best is None or len(row.model) > len(best.model)):
            best = row
    return best


def cost_of(model: str, prompt_tokens: int, completion_tokens: int, prices: list[ModelPrice] | None = None) -> Cost:
    """Tokens priced by the table; zero and unpriced when the model has no row."""
    row = price_for(model, prices)
    if row is None:
        return Cost(Decimal(0), "", False)
    million = Decimal(1_000_000)
    amount = (
        Decimal(prompt_tokens) * row.input_per_million + Decimal(completion_tokens) * row.output_per_million
    ) / million
    return Cost(amount, row.currency, True)
