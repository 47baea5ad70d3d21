"""Dated amounts: the state hourly amount, the administration amount, tax rates (rules.md §8.2)."""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from shared.rules.errors import MissingRateError
from shared.rules.tables import TAX_RATES, TaxRates, in_force, rule_set_for
from shared.rules.tax_tables import (
    INCOME_TAX_THRESHOLDS,
    NON_TAXABLE_MINIMUM_MONTHLY,
    IncomeTaxThreshold,
)

MinimumWageTable = (
    Mapping[date, Decimal]
    | Mapping[tuple[int, int], Decimal]
    | Mapping[date | tuple[int, int], Decimal]
)


def _month_key(key: date | tuple[int, int]) -> tuple[int, int]:
    if isinstance(key, date):
        return key.year, key.month
    return key


def hourly_rate(on: date, minimum_wage_table: MinimumWageTable | None = None) -> Decimal:
    """rules.md §8.2: the state hourly amount (all employer costs included) for work on `on`.

    From 2021-07-01 it comes from the LV-2021 table (4.50, 4.79 from 2023-01-01, 5.11 from
    2023-04-01). Before, it was the month's minimum hourly wage: pass `minimum_wage_table`,
    keyed by `(year, month)` or by any date in the month. Otherwise `MissingRateError`.
    """
    rule_set = rule_set_for(on)
    amount = in_force(rule_set.hourly_amounts, on)
    if amount is not None:
        return amount
    if minimum_wage_table is not None:
        by_month = {_month_key(key): value for key, value in minimum_wage_table.items()}
        wage = by_month.get((on.year, on.month))
        if wage is not None:
            return wage
        raise MissingRateError(
            f"the minimum-wage table has no row for {on.year}-{on.month:02d} (rules.md §8.2)"
        )
    raise MissingRateError(
        f"no state hourly amount for {on.isoformat()}: before 2021-07-01 it is the month's "
        "minimum hourly wage; pass minimum_wage_table (rules.md §8.2)"
    )


def administration_rate_cap(on: date) -> Decimal:
    """rules.md §8.2: the most a municipality may add per hour for administration.

    0.26 EUR from 2023-04-01, nothing before ("plus up to 0.26").
    """
    amount = in_force(rule_set_for(on).administration_amounts, on)
    return amount if amount is not None else Decimal("0.00")


def tax_rates_on(on: date) -> TaxRates:
    """rules.md §8.2 decision: the tax percentages in force on `on`."""
    current: TaxRates | None = None
    for rates in TAX_RATES:
        if rates.effective_from <= on:
            current = rates
    if current is None:
        raise MissingRateError(
            f"no tax rates before {TAX_RATES[0].effective_from.isoformat()}; "
            "pass tax_rates for earlier payments (rules.md §8.2)"
        )
    return current


def rate_period_start(on: date) -> date:
    """rules.md §8.2: the first day of the hourly amount in force on `on` (a payment line's
    rate period); before 2021-07-01, the first day of the month (a minimum-wage month)."""
    start = None
    for effective_from, _ in rule_set_for(on).hourly_amounts:
        if effective_from <= on:
            start = effective_from
    return start if start is not None else on.replace(day=1)


def non_taxable_minimum_on(on: date) -> Decimal:
    """The monthly non-taxable minimum in force on `on` (State Revenue Service, tables.py)."""
    amount = in_force(NON_TAXABLE_MINIMUM_MONTHLY, on)
    if amount is None:
        raise MissingRateError(f"no non-taxable minimum before {on.isoformat()}")
    return amount


def income_tax_threshold_on(on: date) -> IncomeTaxThreshold:
    """The income-tax threshold and higher rate in force on `on` (State Revenue Service)."""
    current = None
    for threshold in INCOME_TAX_THRESHOLDS:
        if threshold.effective_from <= on:
            current = threshold
    if current is None:
        raise MissingRateError(f"no income-tax threshold before {on.isoformat()}")
    return current
