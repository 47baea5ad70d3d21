"""Pure: a municipality's monthly report against the figures computed from events.

- ``differences``: each figure of ``MonthlyReportSubmitted`` (rules.md §9) that is not what
  the events say, with both values;
- ``report_status``: whether the month's report came by its deadline, the 15th of the
  following month (issue 12);
- ``payment_check``: whether the money paid for a month matches its approved hours × the
  state hourly amount of each day (rules.md §8.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from services.reporting.metrics import METRICS
from services.reporting.summary import Figures

REPORT_DUE_DAY = 15  # issue 12: by the 15th of the month after the reported month


class ReportStatus(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"  # submitted after the deadline
    MISSING = "missing"  # not submitted, and the deadline has passed
    NOT_DUE = "not_due"  # not submitted yet, the deadline is still ahead


@dataclass(frozen=True)
class Difference:
    field: str
    reported: Decimal
    computed: Decimal

    @property
    def difference(self) -> Decimal:
        return self.reported - self.computed


def report_deadline(month: str) -> date:
    year, number = (int(part) for part in month.split("-"))
    if number == 12:
        return date(year + 1, 1, REPORT_DUE_DAY)
    return date(year, number + 1, REPORT_DUE_DAY)


def report_status(month: str, first_submitted_on: date | None, today: date) -> ReportStatus:
    deadline = report_deadline(month)
    if first_submitted_on is None:
        return ReportStatus.MISSING if today > deadline else ReportStatus.NOT_DUE
    return ReportStatus.ON_TIME if first_submitted_on <= deadline else ReportStatus.LATE


def differences(reported: dict[str, Any], own: Figures) -> list[Difference]:
    """Every reported figure that differs from the computed one (exact to the cent)."""
    out: list[Difference] = []
    for metric in METRICS:
        if metric.report_field is None or metric.report_field not in reported:
            continue
        computed = Decimal(own.value(metric.name) or 0)
        value = Decimal(str(reported[metric.report_field]))
        if value != computed:
            out.append(Difference(metric.report_field, value, computed))
    return out


@dataclass(frozen=True)
class PaymentCheck:
    expected: Decimal  # approved hours × the hourly amount of their days
    paid: Decimal  # total cost of the payments (gross + employer contributions)
    tolerance: Decimal  # one cent per payment line: each line is rounded on its own

    @property
    def difference(self) -> Decimal:
        return self.paid - self.expected

    @property
    def matches(self) -> bool:
        return abs(self.difference) <= self.tolerance


def payment_check(own: Figures) -> PaymentCheck | None:
    """None when the month has neither approved hours nor payments."""
    expected = Decimal(own.value("amount_expected") or 0)
    paid = Decimal(own.value("paid_total") or 0)
    if not expected and not paid:
        return None
    return PaymentCheck(expected, paid, Decimal("0.01") * own.payment_lines)
