"""Pure: summed rows of one municipality and month into its figures, and figures into totals.

The median and the 90th percentile of days to decision are computed from the histogram of
days, so they add up across municipalities correctly (a median of medians would not).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from services.reporting.metrics import (
    BY_NAME,
    DECISION_DAYS,
    METRICS,
    PAYMENT_LINES,
    REFUSED_BY_REASON,
    Kind,
)

CENT = Decimal("0.01")
Number = int | Decimal


@dataclass
class Figures:
    """One cell (a municipality and month, or a national total) as known on a date."""

    sums: dict[str, Decimal] = field(default_factory=dict)  # additive metrics
    refused_by_reason: Counter[str] = field(default_factory=Counter)
    decision_days: Counter[int] = field(default_factory=Counter)
    payment_lines: int = 0

    def value(self, name: str) -> Number | None:
        """A figure by metric name: counts as int, hours and money to cents."""
        metric = BY_NAME[name]
        if name == "decision_days_median":
            return median(self.decision_days)
        if name == "decision_days_p90":
            return percentile(self.decision_days, 90)
        amount = self.sums.get(name, Decimal(0))
        if metric.kind in (Kind.PEOPLE, Kind.EVENTS):
            return int(amount)
        return amount.quantize(CENT, ROUND_HALF_UP)

    def values(self) -> dict[str, Number | None]:
        return {metric.name: self.value(metric.name) for metric in METRICS}

    @property
    def is_empty(self) -> bool:
        return not (any(self.sums.values()) or self.decision_days)


def figures_from(rows: Iterable[tuple[str, str, Decimal]]) -> Figures:
    """``(metric, key, summed value)`` rows of one cell into its figures."""
    figures = Figures()
    for metric, key, value in rows:
        if metric == DECISION_DAYS:
            figures.decision_days[int(key)] += int(value)
        elif metric == REFUSED_BY_REASON:
            figures.refused_by_reason[key] += int(value)
        elif metric == PAYMENT_LINES:
            figures.payment_lines += int(value)
        else:
            figures.sums[metric] = figures.sums.get(metric, Decimal(0)) + value
    _drop_zeros(figures)
    return figures


def combine(cells: Iterable[Figures]) -> Figures:
    total = Figures()
    for cell in cells:
        for name, value in cell.sums.items():
            total.sums[name] = total.sums.get(name, Decimal(0)) + value
        total.refused_by_reason.update(cell.refused_by_reason)
        total.decision_days.update(cell.decision_days)
        total.payment_lines += cell.payment_lines
    _drop_zeros(total)
    return total


def _drop_zeros(figures: Figures) -> None:
    figures.refused_by_reason = Counter({k: v for k, v in figures.refused_by_reason.items() if v})
    figures.decision_days = Counter({k: v for k, v in figures.decision_days.items() if v})


def _sorted_values(histogram: Mapping[int, int]) -> list[tuple[int, int]]:
    return sorted((days, n) for days, n in histogram.items() if n > 0)


def _nth(histogram: Mapping[int, int], rank: int) -> int:
    """The ``rank``-th smallest value (1-based) of the histogram."""
    seen = 0
    for days, count in _sorted_values(histogram):
        seen += count
        if seen >= rank:
            return days
    raise ValueError("rank beyond the histogram")


def median(histogram: Mapping[int, int]) -> Decimal | None:
    """The median; for an even count the mean of the two middle values."""
    count = sum(n for _, n in _sorted_values(histogram))
    if count == 0:
        return None
    low, high = _nth(histogram, (count + 1) // 2), _nth(histogram, count // 2 + 1)
    return (Decimal(low + high) / 2).quantize(Decimal("0.1"), ROUND_HALF_UP)


def percentile(histogram: Mapping[int, int], p: int) -> Decimal | None:
    """Nearest-rank percentile: the smallest value with at least p % of values at or below."""
    count = sum(n for _, n in _sorted_values(histogram))
    if count == 0:
        return None
    return Decimal(_nth(histogram, max(1, math.ceil(p * count / 100))))
