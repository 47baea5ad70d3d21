"""All rule data in one place: one table per rule set (rules.md §2) and the dated tax table.

A new rule set is a new `RuleSet(...)` row appended to `RULE_SETS` plus tests; no code
elsewhere names a number. Dated amounts are `(effective_from, value)` pairs in date order.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from shared.rules.errors import NoRuleSetError
from shared.rules.purposes import LV_2021_PURPOSE_HOURS, REG_315_IN_FORCE, PurposeRow
from shared.rules.vocabulary import ActivityKind, PeriodKind, RuleSetId, Unit

Dated = tuple[tuple[date, Decimal], ...]


@dataclass(frozen=True)
class RuleSet:
    id: RuleSetId
    in_force_from: date
    in_force_until: date | None  # inclusive; None = open
    legal_basis: str
    adult_age: int  # rules.md §3.1
    child_min_age: int  # rules.md §3.2
    weekly_caps: Mapping[ActivityKind, Decimal]  # rules.md §4.1; empty = no weekly caps
    weekly_total: Decimal | None  # rules.md §4.1
    vision_unpaid_hours: Decimal | None  # rules.md §4.2: LV-2013 only
    higher_education_vision_only: bool  # rules.md §4.1 decision
    adult_unit: Unit  # rules.md §4.1 (week) or §4.2a (month, by purpose and intensity)
    adult_purpose_hours: tuple[PurposeRow, ...]  # rules.md §4.2a: dated rows
    child_unit: Unit  # rules.md §4.3
    child_monthly_hours: Dated  # rules.md §4.3: dated rows; empty = weekly like adults
    child_monthly_hours_with_procedures: Dated  # rules.md §4.3: dated rows
    p17_exception_from: date | None  # rules.md §3.1: Reg. 316 p. 17 as amended by Reg. 315
    max_period_months: int  # rules.md §4.4
    grants_end_by: date | None  # rules.md §2: LV-2013 grants ran at most to 31.12.2021
    period_kinds: frozenset[PeriodKind]  # rules.md §4.4
    assistant_weekly_limit: Decimal  # rules.md §6.1
    hourly_amounts: Dated  # rules.md §8.2; empty = the month's minimum hourly wage
    administration_amounts: Dated  # rules.md §8.2: the most a municipality may add per hour


# rules.md §4.1 (S0): the per-activity weekly caps of LV-2013. rules.md §2 "Correction": LV-2021
# has none (adults get monthly hours by purpose, §4.2a; children fixed monthly hours, §4.3).
_WEEKLY_CAPS: Mapping[ActivityKind, Decimal] = MappingProxyType(
    {
        ActivityKind.WORK: Decimal(20),
        ActivityKind.EDUCATION: Decimal(20),
        ActivityKind.HIGHER_EDUCATION: Decimal(40),
        ActivityKind.DAY_CARE: Decimal(20),
        ActivityKind.INSTITUTIONS: Decimal(20),
        ActivityKind.SOCIAL_ACTIVITIES: Decimal(20),
        ActivityKind.LEISURE: Decimal(2),
    }
)

_LV_2013_PERIODS = frozenset(
    {
        PeriodKind.ONE_TIME,
        PeriodKind.ONE_MONTH,
        PeriodKind.SEVERAL_MONTHS,
        PeriodKind.END_OF_YEAR,
        PeriodKind.ONE_YEAR,
    }
)

LV_2013 = RuleSet(
    id=RuleSetId.LV_2013,
    in_force_from=date(2013, 1, 1),
    in_force_until=date(2021, 6, 30),
    legal_basis="Cabinet Reg. No. 942 (18.12.2012), amended 2015 (No. 592) and 2019",
    adult_age=18,
    child_min_age=5,
    weekly_caps=_WEEKLY_CAPS,
    weekly_total=Decimal(40),
    vision_unpaid_hours=Decimal(10),
    higher_education_vision_only=True,
    adult_unit=Unit.WEEK,  # rules.md §4.1
    adult_purpose_hours=(),
    child_unit=Unit.WEEK,  # rules.md §4.3: children assessed like adults
    child_monthly_hours=(),
    child_monthly_hours_with_procedures=(),
    p17_exception_from=None,
    max_period_months=12,  # rules.md §4.4: "or one year" (S0)
    grants_end_by=date(2021, 12, 31),  # rules.md §2: transitional end of LV-2013 grants
    period_kinds=_LV_2013_PERIODS,
    assistant_weekly_limit=Decimal(40),
    hourly_amounts=(),  # rules.md §8.2: the month's minimum hourly wage, supplied by the caller
    administration_amounts=(),
)

LV_2021 = RuleSet(
    id=RuleSetId.LV_2021,
    in_force_from=date(2021, 7, 1),
    in_force_until=None,
    legal_basis="Cabinet Reg. No. 316 (18.05.2021)",
    adult_age=18,
    child_min_age=5,
    weekly_caps=MappingProxyType({}),  # rules.md §2 "Correction": no weekly caps
    weekly_total=None,
    vision_unpaid_hours=None,  # rules.md §4.2: not shown to exist in Reg. 316
    higher_education_vision_only=False,  # no weekly activities under LV-2021 at all
    adult_unit=Unit.MONTH,  # rules.md §4.2a (Reg. 316 p. 3, Annex 1)
    adult_purpose_hours=LV_2021_PURPOSE_HOURS,  # rules.md §4.2a, dated rows
    child_unit=Unit.MONTH,
    child_monthly_hours=((date(2021, 7, 1), Decimal(80)),),  # rules.md §4.3 (S4)
    # rules.md §4.3: 100 h/month with weekly procedures only from Reg. 315; 80 before it.
    child_monthly_hours_with_procedures=(
        (date(2021, 7, 1), Decimal(80)),
        (REG_315_IN_FORCE, Decimal(100)),
    ),
    p17_exception_from=REG_315_IN_FORCE,  # rules.md §3.1; decision in docs/rules.md
    max_period_months=36,  # rules.md §4.4: at most 3 years (S4)
    grants_end_by=None,
    # Decision (docs/rules.md): shorter durations stay possible; the grant may rest on a
    # shorter proof of activity. The maximum still caps every kind.
    period_kinds=_LV_2013_PERIODS | {PeriodKind.DISABILITY_VALIDITY},
    assistant_weekly_limit=Decimal(40),
    hourly_amounts=(
        (date(2021, 7, 1), Decimal("4.50")),
        (date(2023, 1, 1), Decimal("4.79")),
        (date(2023, 4, 1), Decimal("5.11")),
    ),
    administration_amounts=(
        (date(2021, 7, 1), Decimal("0.00")),
        (date(2023, 4, 1), Decimal("0.26")),
    ),
)

RULE_SETS: tuple[RuleSet, ...] = (LV_2013, LV_2021)


def rule_set_for(on: date) -> RuleSet:
    """rules.md §2: the rule set in force on `on`; for a decision, the day it is taken."""
    for rule_set in RULE_SETS:
        until = rule_set.in_force_until
        if rule_set.in_force_from <= on and (until is None or on <= until):
            return rule_set
    raise NoRuleSetError(
        f"no rule set for {on.isoformat()}: the state-paid assistant service starts on "
        f"{RULE_SETS[0].in_force_from.isoformat()} (rules.md §2)"
    )


def in_force(table: Dated, on: date) -> Decimal | None:
    """The value of a dated table on `on`; None before its first row."""
    value: Decimal | None = None
    for effective_from, amount in table:
        if effective_from <= on:
            value = amount
    return value


@dataclass(frozen=True)
class TaxRates:
    """rules.md §8.2 decision: withholding and contribution percentages, as fractions."""

    effective_from: date
    employer_social: Decimal  # VSAOI paid by the employer, on top of gross
    employee_social: Decimal  # VSAOI withheld from gross
    income_tax: Decimal  # IIN, simplified to one flat rate (docs/rules.md)
    source: str


# rules.md §8.2: dated percentages. Employer 23.59 % is the figure of rules.md; the others are
# Latvian law (Law on State Social Insurance; Law on Personal Income Tax), see docs/rules.md.
TAX_RATES: tuple[TaxRates, ...] = (
    TaxRates(
        date(2021, 1, 1),
        Decimal("0.2359"),
        Decimal("0.105"),
        Decimal("0.20"),
        "VSAOI 34.09 % (23.59 + 10.50) from 2021; IIN 20 % up to the annual threshold",
    ),
    TaxRates(
        date(2025, 1, 1),
        Decimal("0.2359"),
        Decimal("0.105"),
        Decimal("0.255"),
        "VSAOI unchanged; IIN 25.5 % up to the annual threshold from 2025 (tax reform)",
    ),
)

# rules.md §5.4: official transferred days off that `holidays` (0.108) does not know yet.
# It carries the Cabinet orders "Par darba dienu pārcelšanu" of 2001–2026, each with its
# likumi.lv link in the library's source, so this is empty; add a dated row (with the order's
# likumi.lv id) if a new order comes before a library upgrade.
EXTRA_DAYS_OFF: frozenset[date] = frozenset()
