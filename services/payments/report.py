"""The municipality's monthly report to the ministry (rules.md §9): figures only.

Computed from this service's tables: clients and money from the month's payments,
hours approved from the approved time reports, hours granted from the grants in force,
applications from the cases decisions published. The figures are what
``MonthlyReportSubmitted`` carries; no personal data.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from services.payments.domain import month_start, next_month_start
from shared.contracts.payments import MonthlyFigures
from shared.store.types import Connection

CENT = Decimal("0.01")


@dataclass(frozen=True)
class GrantPeriod:
    """Hours of a grant from a day on: the grant's start, then each amendment's (§5.5)."""

    effective_from: date
    unit: str
    hours: Decimal


def granted_hours(
    periods: list[GrantPeriod],
    last_day: date,
    suspensions: list[tuple[date, date | None]],
    month: str,
) -> Decimal:
    """The hours a grant gives in the month, day by day: each day in force and not suspended
    (§3.3) counts the hours of the period in force that day, a week grant (§4.1) by 1/7,
    a month grant (§4.3) by 1/(days of the month); half-up to cents."""
    first, after = month_start(month), next_month_start(month)
    days_in_month = calendar.monthrange(first.year, first.month)[1]
    ordered = sorted(periods, key=lambda p: p.effective_from)
    total = Decimal(0)
    day = first
    while day < after and day <= last_day:
        current = next((p for p in reversed(ordered) if p.effective_from <= day), None)
        suspended = any(s <= day and (r is None or day < r) for s, r in suspensions)
        if current is not None and not suspended:
            total += current.hours / (7 if current.unit == "week" else days_in_month)
        day += timedelta(days=1)
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


async def monthly_figures(conn: Connection, municipality: str, month: str) -> MonthlyFigures:
    first, after = month_start(month), next_month_start(month)
    served = await conn.fetchrow(
        "select count(*) filter (where c.age_group = 'adult') as adults,"
        " count(*) filter (where c.age_group <> 'adult') as children,"
        " count(*) filter (where c.vision_group) as vision"
        " from (select case_id from payment_lines where municipality = $1 and month = $2"
        "       group by case_id having sum(hours) > 0) paid"
        " join cases c using (case_id)",
        municipality,
        month,
    )
    money = await conn.fetchrow(
        "select count(distinct assistant_id) filter (where net > 0) as assistants,"
        " coalesce(sum(hours), 0) as hours, coalesce(sum(gross), 0) as gross,"
        " coalesce(sum(employer_contribution), 0) as employer,"
        " coalesce(sum(total_cost), 0) as total"
        " from payments where municipality = $1 and month = $2",
        municipality,
        month,
    )
    admin_rows = await conn.fetch(
        "select rate_from, sum(hours) as hours from payment_lines"
        " where municipality = $1 and month = $2 group by rate_from",
        municipality,
        month,
    )
    approved = await conn.fetchval(
        "select coalesce(sum(d.hours), 0) from timesheets t join approved_days d"
        " using (timesheet_id) where t.municipality = $1 and t.month = $2",
        municipality,
        month,
    )
    grants = await conn.fetch(
        "select case_id, least(period_end, ended_from - 1) as last_day"
        " from cases where municipality = $1 and status = 'granted'"
        " and period_start < $3 and period_end >= $2",
        municipality,
        first,
        after,
    )
    ids = [g["case_id"] for g in grants]
    periods: dict[str, list[GrantPeriod]] = {}
    for r in await conn.fetch("select * from grant_periods where case_id = any($1::text[])", ids):
        periods.setdefault(r["case_id"], []).append(
            GrantPeriod(r["effective_from"], r["unit"], r["hours"])
        )
    stays: dict[str, list[tuple[date, date | None]]] = {}
    for r in await conn.fetch("select * from suspensions where case_id = any($1::text[])", ids):
        stays.setdefault(r["case_id"], []).append((r["suspended_from"], r["resumed_on"]))
    applications = await conn.fetchrow(
        "select count(*) filter (where received_on >= $2 and received_on < $3) as received,"
        " count(*) filter (where status = 'granted' and decided_on >= $2 and decided_on < $3)"
        "   as granted,"
        " count(*) filter (where status = 'refused' and decided_on >= $2 and decided_on < $3)"
        "   as refused,"
        " count(*) filter (where decided_late and decided_on >= $2 and decided_on < $3) as late"
        " from cases where municipality = $1",
        municipality,
        first,
        after,
    )
    assert served is not None and money is not None and applications is not None
    granted = sum(
        (
            granted_hours(
                periods.get(g["case_id"], []), g["last_day"], stays.get(g["case_id"], []), month
            )
            for g in grants
            if g["last_day"] is not None
        ),
        Decimal("0.00"),
    )
    return MonthlyFigures(
        clients_served_adults=served["adults"],
        clients_served_children=served["children"],
        clients_served_vision=served["vision"],
        assistants_paid=money["assistants"],
        hours_granted=granted,
        hours_approved=Decimal(approved),
        hours_paid=Decimal(money["hours"]),
        gross=Decimal(money["gross"]),
        employer_contributions=Decimal(money["employer"]),
        total=Decimal(money["total"]),
        administration_amount=administration_amount(
            [(r["rate_from"], r["hours"]) for r in admin_rows]
        ),
        applications_received=applications["received"],
        applications_granted=applications["granted"],
        applications_refused=applications["refused"],
        applications_decided_late=applications["late"],
    )


def administration_amount(hours_by_rate: list[tuple[date, Decimal]]) -> Decimal:
    """rules.md §8.2: at most 0.26 EUR per paid hour from 2023-04-01 (nothing before)."""
    from shared.rules import administration_rate_cap

    total = sum(
        (hours * administration_rate_cap(on) for on, hours in hours_by_rate), Decimal("0.00")
    )
    return max(Decimal("0.00"), total.quantize(CENT, rounding=ROUND_HALF_UP))
