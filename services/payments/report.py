"""The municipality's monthly report to the ministry (rules.md §9): figures only.

Computed from this service's tables: clients and money from the month's payments,
hours approved from the approved time reports, hours granted from the grants in force,
applications from the cases decisions published. The figures are what
``MonthlyReportSubmitted`` carries; no personal data.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from services.payments.domain import month_start, next_month_start
from shared.contracts.payments import MonthlyFigures
from shared.store.types import Connection

CENT = Decimal("0.01")


def granted_hours_in_month(
    unit: str, hours: Decimal, start: date, last_day: date, month: str
) -> Decimal:
    """The hours a grant gives in the month: a week grant (§4.1) by its days in force / 7,
    a month grant (§4.3) by its share of the month's days; half-up to cents."""
    first, after = month_start(month), next_month_start(month)
    begin, end = max(start, first), min(last_day, after - timedelta(days=1))
    days = (end - begin).days + 1
    if days <= 0:
        return Decimal("0.00")
    if unit == "week":
        share = hours * days / 7
    else:
        share = hours * days / calendar.monthrange(first.year, first.month)[1]
    return share.quantize(CENT, rounding=ROUND_HALF_UP)


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
        "select unit, hours, period_start, least(period_end, ended_from - 1) as last_day"
        " from cases where municipality = $1 and status = 'granted'"
        " and period_start < $3 and period_end >= $2",
        municipality,
        first,
        after,
    )
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
            granted_hours_in_month(g["unit"], g["hours"], g["period_start"], g["last_day"], month)
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
