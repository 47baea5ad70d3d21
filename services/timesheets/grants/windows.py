"""The grants of a client as the checks of rules.md §7.2 see them (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shared.rules import GrantWindow, Unit


@dataclass(frozen=True)
class Term:
    """One grant or amendment of a case: hours per unit from its first to its last day."""

    unit: Unit
    hours: Decimal
    activities: tuple[str, ...]
    period_start: date
    period_end: date


@dataclass(frozen=True)
class CaseGrant:
    case_id: str
    any_activity: bool
    terminated_from: date | None
    terms: tuple[Term, ...]
    suspensions: tuple[tuple[date, date | None], ...]  # (suspended_from, resumed_on)


def windows(client: str, cases: Sequence[CaseGrant]) -> list[GrantWindow]:
    """One window per term; suspensions as inclusive (first, last) days; terminations."""
    out = []
    for case in cases:
        suspended = tuple(
            (first, None if resumed is None else resumed - timedelta(days=1))
            for first, resumed in case.suspensions
        )
        for term in case.terms:
            if term.period_end < term.period_start:
                continue  # replaced by an amendment from its first day
            out.append(
                GrantWindow(
                    client_id=client,
                    unit=term.unit,
                    hours=term.hours,
                    activities=None if case.any_activity else frozenset(term.activities),
                    period_start=term.period_start,
                    period_end=term.period_end,
                    suspensions=suspended,
                    terminated_from=case.terminated_from,
                )
            )
    return out
