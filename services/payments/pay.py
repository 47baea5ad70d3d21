"""Planning one assistant's payment for a month: what is owed minus what was paid (pure).

rules.md §8.1–8.2. The month is always priced whole, from every hour approved so far (by
the day worked, so a rate change inside the month gives two lines), and what earlier runs
of the month paid is subtracted line by line. So a regular run pays everything, and a
supplementary run pays exactly the difference: a correction after payment becomes a line
with the signed difference in hours and money. A negative result is never transferred:
it stays due and is netted against the assistant's next payment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from shared.contracts.payments import Money, PaymentLine, RunTotals
from shared.rules import (
    HoursAtRate,
    LineMoney,
    TaxStatus,
    administration_rate_cap,
    hourly_rate,
    month_pay,
    rate_period_start,
    to_cents,
)

ZERO = Decimal("0.00")


@dataclass(frozen=True, order=True)
class LineKey:
    """A payment line: one client's report at one hourly amount (rules.md §8.2)."""

    case_id: str
    timesheet_id: str
    rate_from: date


@dataclass(frozen=True)
class ApprovedDay:
    case_id: str
    timesheet_id: str
    day: date
    hours: Decimal


@dataclass(frozen=True)
class PaidLine:
    key: LineKey
    hours: Decimal
    money: LineMoney


@dataclass(frozen=True)
class AssistantMonth:
    """All this municipality knows of one assistant's month (from projections)."""

    assistant_id: str
    tax_status: TaxStatus
    tax_book_held: bool
    approved: list[ApprovedDay]
    paid: list[PaidLine] = field(default_factory=list)
    recovery_due: Decimal = ZERO


@dataclass(frozen=True)
class PlannedPayment:
    assistant_id: str
    tax_status: TaxStatus
    hours: Decimal
    money: Money
    lines: list[PaymentLine]
    recovered: Decimal
    administration_amount: Decimal

    @property
    def transfer(self) -> Decimal:
        """What the bank file sends: never negative (rules.md §8.3)."""
        return max(ZERO, self.money.net - self.recovered)


def approved_by_line(days: Iterable[ApprovedDay]) -> dict[LineKey, Decimal]:
    hours: dict[LineKey, Decimal] = {}
    for d in days:
        key = LineKey(d.case_id, d.timesheet_id, rate_period_start(d.day))
        hours[key] = hours.get(key, ZERO) + d.hours
    return hours


def money_of(parts: Iterable[LineMoney | Money]) -> Money:
    items = list(parts)

    def total(name: str) -> Decimal:
        return sum((getattr(p, name) for p in items), ZERO)

    return Money(
        gross=total("gross"),
        employer_contribution=total("employer_contribution"),
        employee_contribution=total("employee_contribution"),
        income_tax=total("income_tax"),
        net=total("net"),
        total_cost=total("total_cost"),
    )


def plan_payment(month: AssistantMonth, first_day: date) -> PlannedPayment | None:
    """The payment still owed for the month, or None when nothing changed since the last."""
    owed_hours = approved_by_line(month.approved)
    keys = sorted(owed_hours)
    owed_money = dict(
        zip(
            keys,
            month_pay(
                [HoursAtRate(hours=owed_hours[k], on=k.rate_from) for k in keys],
                month.tax_status,
                tax_book_held=month.tax_book_held,
                month_start=first_day,
            ),
            strict=True,
        )
    )
    paid_hours: dict[LineKey, Decimal] = {}
    paid_money: dict[LineKey, LineMoney] = {}
    for line in month.paid:
        paid_hours[line.key] = paid_hours.get(line.key, ZERO) + line.hours
        before = paid_money.get(line.key)
        paid_money[line.key] = line.money if before is None else before.plus(line.money)
    lines: list[PaymentLine] = []
    admin = ZERO
    for key in sorted(set(owed_hours) | set(paid_hours)):
        hours = owed_hours.get(key, ZERO) - paid_hours.get(key, ZERO)
        owed = owed_money.get(key) or LineMoney.zero(hourly_rate(key.rate_from))
        paid = paid_money.get(key)
        difference = owed if paid is None else owed.minus(paid)
        if hours == 0 and all(getattr(difference, p) == 0 for p in MONEY_FIELDS):
            continue
        admin += to_cents(hours * administration_rate_cap(key.rate_from))
        lines.append(
            PaymentLine(
                case_id=key.case_id,
                timesheet_id=key.timesheet_id,
                rate_from=key.rate_from,
                hourly_amount=difference.hourly_amount,
                hours=hours,
                money=money_of([difference]),
            )
        )
    if not lines:
        return None
    money = money_of(line.money for line in lines)
    recovered = min(month.recovery_due, money.net) if money.net > 0 else ZERO
    return PlannedPayment(
        assistant_id=month.assistant_id,
        tax_status=month.tax_status,
        hours=sum((line.hours for line in lines), ZERO),
        money=money,
        lines=lines,
        recovered=recovered,
        administration_amount=admin,
    )


MONEY_FIELDS = ("gross", "employer_contribution", "employee_contribution", "income_tax", "net")


def totals_of(payments: list[PlannedPayment]) -> RunTotals:
    return RunTotals(
        assistants=len({p.assistant_id for p in payments}),
        payments=len(payments),
        hours=sum((p.hours for p in payments), ZERO),
        money=money_of(p.money for p in payments),
        administration_amount=sum((p.administration_amount for p in payments), ZERO),
    )
