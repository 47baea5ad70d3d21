"""A month's pay of one assistant, line by line, with the month's withholding (rules.md §8.2).

The line arithmetic is ``money.py``'s; here the monthly parts: the non-taxable minimum
(only where the tax book is held) and the income-tax threshold, both dated data from the
State Revenue Service (tables.py).
"""

from datetime import date
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, ConfigDict

from shared.rules.money import ZERO, to_cents
from shared.rules.rates import (
    administration_rate_cap,
    hourly_rate,
    income_tax_threshold_on,
    non_taxable_minimum_on,
    tax_rates_on,
)
from shared.rules.vocabulary import TaxStatus


class HoursAtRate(BaseModel):
    """Approved hours of one rate period of a month (priced by the day worked, §8.2)."""

    model_config = ConfigDict(frozen=True)

    hours: Decimal
    on: date  # a day of the rate period: selects the hourly amount


class LineMoney(BaseModel):
    """The money of one payment line, every part rounded half-up to cents (rules.md §8.2)."""

    model_config = ConfigDict(frozen=True)

    hourly_amount: Decimal
    total_cost: Decimal  # gross + employer_contribution
    gross: Decimal
    employer_contribution: Decimal
    employee_contribution: Decimal
    income_tax: Decimal
    net: Decimal
    administration_amount: Decimal

    def minus(self, other: Self) -> Self:
        """What is still owed (or over-paid, negative) after ``other`` was paid."""
        parts = {name: getattr(self, name) - getattr(other, name) for name in MONEY_PARTS}
        return self.__class__(hourly_amount=self.hourly_amount, **parts)

    def plus(self, other: Self) -> Self:
        parts = {name: getattr(self, name) + getattr(other, name) for name in MONEY_PARTS}
        return self.__class__(hourly_amount=self.hourly_amount, **parts)

    @classmethod
    def zero(cls, hourly_amount: Decimal) -> Self:
        return cls(hourly_amount=hourly_amount, **dict.fromkeys(MONEY_PARTS, ZERO))


MONEY_PARTS = (
    "total_cost",
    "gross",
    "employer_contribution",
    "employee_contribution",
    "income_tax",
    "net",
    "administration_amount",
)


def month_pay(
    lines: list[HoursAtRate],
    tax_status: TaxStatus | str,
    *,
    tax_book_held: bool,
    month_start: date,
) -> list[LineMoney]:
    """rules.md §8.2: one assistant's pay for a month at one municipality, line by line.

    Each line is rounded on its own (half-up to cents), so the payment's totals are the
    sums of its lines. Employee-like: gross = total / (1 + employer rate); the employee
    contribution is withheld from gross; income tax from what is left, after the monthly
    non-taxable minimum when this municipality holds the tax book, at the base rate up to
    the monthly twelfth of the annual threshold and the higher rate above it (State Revenue
    Service figures in tables.py). The minimum and the threshold are used up by the lines
    in the order given, so the same hours always give the same lines.
    Self-employed: the whole amount is paid, nothing withheld (rules.md §8.2).
    """
    status = TaxStatus(tax_status)
    rates = tax_rates_on(month_start)
    threshold = income_tax_threshold_on(month_start)
    minimum_left = non_taxable_minimum_on(month_start) if tax_book_held else ZERO
    base_room = threshold.monthly_threshold
    out = []
    for line in lines:
        if line.hours < 0 or not line.hours.is_finite():
            raise ValueError(f"hours must be a finite number 0 or more, got {line.hours}")
        amount = hourly_rate(line.on)
        total = to_cents(line.hours * amount)
        admin = to_cents(line.hours * administration_rate_cap(line.on))
        if status is TaxStatus.SELF_EMPLOYED:
            gross, employer, employee, tax = total, ZERO, ZERO, ZERO
        else:
            gross = to_cents(total / (1 + rates.employer_social))
            employer = total - gross
            employee = to_cents(gross * rates.employee_social)
            income = gross - employee
            exempt = min(minimum_left, income)
            minimum_left -= exempt
            taxable = income - exempt
            at_base = min(taxable, base_room)
            base_room -= at_base
            tax = to_cents(at_base * rates.income_tax + (taxable - at_base) * threshold.rate_above)
        out.append(
            LineMoney(
                hourly_amount=amount,
                total_cost=total,
                gross=gross,
                employer_contribution=employer,
                employee_contribution=employee,
                income_tax=tax,
                net=gross - employee - tax,
                administration_amount=admin,
            )
        )
    return out
