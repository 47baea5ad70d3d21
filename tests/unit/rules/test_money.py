"""rules.md §8.2: the dated hourly amount and the arithmetic of one payment line."""

from datetime import date
from decimal import Decimal

import pytest

from shared.rules import (
    MissingRateError,
    NoRuleSetError,
    TaxRates,
    administration_rate_cap,
    compute_payment_line,
    hourly_rate,
    tax_rates_on,
    to_cents,
)

D = Decimal


@pytest.mark.parametrize(
    ("on", "amount"),
    [
        (date(2021, 7, 1), "4.50"),
        (date(2022, 12, 31), "4.50"),
        (date(2023, 1, 1), "4.79"),
        (date(2023, 3, 31), "4.79"),
        (date(2023, 4, 1), "5.11"),
        (date(2026, 1, 1), "5.11"),
    ],
)
def test_state_hourly_amount_follows_the_dated_table(on: date, amount: str) -> None:
    assert hourly_rate(on) == D(amount)


def test_hourly_amount_before_july_2021_needs_the_minimum_wage_table() -> None:
    with pytest.raises(MissingRateError, match="minimum_wage_table"):
        hourly_rate(date(2021, 6, 30))


@pytest.mark.parametrize("key", [(2021, 6), date(2021, 6, 1)])
def test_minimum_hourly_wage_of_the_month_is_the_amount_before_july_2021(
    key: date | tuple[int, int],
) -> None:
    table = {key: D("2.86")}
    assert hourly_rate(date(2021, 6, 30), minimum_wage_table=table) == D("2.86")


def test_minimum_wage_table_without_the_month_is_a_clear_error() -> None:
    with pytest.raises(MissingRateError, match="2021-05"):
        hourly_rate(date(2021, 5, 3), minimum_wage_table={(2021, 6): D("2.86")})


def test_the_dated_table_wins_over_a_minimum_wage_table_from_july_2021() -> None:
    assert hourly_rate(date(2021, 7, 1), minimum_wage_table={(2021, 7): D(1)}) == D("4.50")


def test_no_amount_before_the_service_existed() -> None:
    with pytest.raises(NoRuleSetError):
        hourly_rate(date(2012, 12, 31), minimum_wage_table={(2012, 12): D(2)})


@pytest.mark.parametrize(
    ("on", "cap"),
    [(date(2021, 7, 1), "0.00"), (date(2023, 3, 31), "0.00"), (date(2023, 4, 1), "0.26")],
)
def test_administration_amount_is_up_to_26_cents_from_april_2023(on: date, cap: str) -> None:
    assert administration_rate_cap(on) == D(cap)


@pytest.mark.parametrize(
    ("on", "employer", "employee", "income_tax"),
    [
        (date(2021, 7, 1), "0.2359", "0.105", "0.20"),
        (date(2024, 12, 31), "0.2359", "0.105", "0.20"),
        (date(2025, 1, 1), "0.2359", "0.105", "0.255"),
    ],
)
def test_tax_percentages_are_dated(on: date, employer: str, employee: str, income_tax: str) -> None:
    rates = tax_rates_on(on)
    assert (rates.employer_social, rates.employee_social, rates.income_tax) == (
        D(employer),
        D(employee),
        D(income_tax),
    )


def test_employee_like_gross_is_the_amount_less_the_employer_contribution() -> None:
    line = compute_payment_line(D(100), date(2024, 5, 1), "employee_like")
    assert line.hourly_amount == D("5.11")
    assert line.total_cost == D("511.00")
    assert line.gross == D("413.46")  # 511 / 1.2359 = 413.4639…
    assert line.employer_contribution == D("97.54")
    assert line.gross + line.employer_contribution == line.total_cost
    assert line.employee_contribution == D("43.41")  # 10.5 % of gross
    assert line.income_tax == D("74.01")  # 20 % of (gross − 43.41)
    assert line.net == D("296.04")
    assert line.administration_amount == D("26.00")


def test_income_tax_from_2025_is_25_5_percent() -> None:
    line = compute_payment_line(D(100), date(2025, 2, 1), "employee_like")
    assert line.income_tax == D("94.36")  # 25.5 % of 370.05 = 94.36275
    assert line.net == line.gross - line.employee_contribution - line.income_tax


def test_non_taxable_amount_lowers_the_income_tax_only() -> None:
    line = compute_payment_line(
        D(100), date(2024, 5, 1), "employee_like", non_taxable_amount=D("70.05")
    )
    assert line.income_tax == D("60.00")
    assert line.employee_contribution == D("43.41")


def test_self_employed_assistant_is_paid_the_whole_amount_without_withholding() -> None:
    line = compute_payment_line(D(100), date(2022, 5, 1), "self_employed")
    assert line.gross == line.net == line.total_cost == D("450.00")
    assert line.employer_contribution == line.employee_contribution == line.income_tax == 0


def test_money_is_rounded_half_up_to_cents_per_line() -> None:
    assert to_cents(D("0.125")) == D("0.13")  # banker's rounding would give 0.12
    assert to_cents(D("2.675")) == D("2.68")
    line = compute_payment_line(D("0.25"), date(2022, 5, 1), "self_employed")
    assert line.total_cost == D("1.13")  # 0.25 × 4.50 = 1.125


def test_amounts_before_2021_need_supplied_tables() -> None:
    wages = {(2020, 5): D("2.61")}
    with pytest.raises(MissingRateError, match="tax_rates"):
        compute_payment_line(D(10), date(2020, 5, 4), "employee_like", minimum_wage_table=wages)
    rates = TaxRates(date(2018, 1, 1), D("0.2409"), D("0.11"), D("0.20"), "test")
    line = compute_payment_line(
        D(10), date(2020, 5, 4), "employee_like", minimum_wage_table=wages, tax_rates=rates
    )
    assert line.total_cost == D("26.10")
    assert line.gross == D("21.03")  # 26.10 / 1.2409
    assert line.administration_amount == D("0.00")


def test_administration_rate_above_the_cap_is_refused() -> None:
    with pytest.raises(ValueError, match=r"0\.26"):
        compute_payment_line(D(1), date(2024, 1, 1), "employee_like", administration_rate=D("0.27"))
    line = compute_payment_line(
        D(10), date(2024, 1, 1), "employee_like", administration_rate=D("0.10")
    )
    assert line.administration_amount == D("1.00")


def test_negative_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="hours"):
        compute_payment_line(D(-1), date(2024, 1, 1), "employee_like")


def test_every_amount_is_an_exact_decimal() -> None:
    line = compute_payment_line(D("37.5"), date(2023, 2, 1), "employee_like")
    amounts = line.model_dump(exclude={"on", "tax_status"}).values()
    assert all(isinstance(value, Decimal) for value in amounts)
