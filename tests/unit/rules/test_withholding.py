"""A month's withholding: the non-taxable minimum and the income-tax threshold (VID data)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.rules import (
    HoursAtRate,
    income_tax_threshold_on,
    month_pay,
    non_taxable_minimum_on,
    rate_period_start,
)


def test_the_non_taxable_minimum_is_dated_state_revenue_service_data() -> None:
    assert non_taxable_minimum_on(date(2023, 6, 1)) == Decimal("500.00")
    assert non_taxable_minimum_on(date(2025, 6, 1)) == Decimal("510.00")
    assert non_taxable_minimum_on(date(2026, 11, 1)) == Decimal("550.00")


def test_the_higher_income_tax_rate_starts_at_a_twelfth_of_the_annual_threshold() -> None:
    threshold = income_tax_threshold_on(date(2023, 1, 1))
    assert threshold.monthly_threshold == Decimal("1667.00")
    assert income_tax_threshold_on(date(2026, 1, 1)).rate_above == Decimal("0.33")


def test_income_above_the_monthly_threshold_is_taxed_at_the_higher_rate() -> None:
    # 2023: 20 % up to 1 667 EUR a month, 23 % above. 500 h × 5.11 = 2 555 EUR state money.
    [line] = month_pay(
        [HoursAtRate(hours=Decimal(500), on=date(2023, 5, 2))],
        "employee_like",
        tax_book_held=False,
        month_start=date(2023, 5, 1),
    )
    assert line.gross == Decimal("2067.32")
    taxable = line.gross - line.employee_contribution
    expected = Decimal("1667.00") * Decimal("0.20") + (taxable - Decimal("1667.00")) * Decimal(
        "0.23"
    )
    assert line.income_tax == expected.quantize(Decimal("0.01"))


def test_the_minimum_is_used_up_by_the_lines_in_order() -> None:
    lines = month_pay(
        [HoursAtRate(hours=Decimal(100), on=date(2026, 11, 2))] * 2,
        "employee_like",
        tax_book_held=True,
        month_start=date(2026, 11, 1),
    )
    assert lines[0].income_tax == 0  # 511 EUR: gross 413.46, less 43.41 social = 370.05, under 550
    assert lines[1].income_tax == ((Decimal("370.05") * 2 - 550) * Decimal("0.255")).quantize(
        Decimal("0.01")
    )


def test_a_rate_period_starts_where_its_hourly_amount_does() -> None:
    assert rate_period_start(date(2023, 3, 31)) == date(2023, 1, 1)
    assert rate_period_start(date(2023, 4, 1)) == date(2023, 4, 1)
    assert rate_period_start(date(2026, 11, 15)) == date(2023, 4, 1)
