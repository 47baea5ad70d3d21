"""Reads of the reporting tables, "now" (``as_of`` None) or as known on a Latvian date."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from services.reporting.summary import Figures, figures_from
from shared.store.types import Connection


async def month_figures(
    conn: Connection, month: str, as_of: date | None, municipality: str | None = None
) -> dict[str, Figures]:
    """Municipality -> its figures of ``month``; municipalities without any are left out."""
    rows = await conn.fetch(
        "select municipality, metric, key, sum(value) as value from figure_rows"
        " where month = $1 and ($2::date is null or known_on <= $2)"
        " and ($3::text is null or municipality = $3)"
        " group by municipality, metric, key",
        month,
        as_of,
        municipality,
    )
    return _figures_by(rows, "municipality")


async def municipality_months(
    conn: Connection,
    municipality: str,
    as_of: date | None,
    first: str | None,
    last: str | None,
) -> dict[str, Figures]:
    """Month -> figures of one municipality, for the months in [first, last]."""
    rows = await conn.fetch(
        "select month, metric, key, sum(value) as value from figure_rows"
        " where municipality = $1 and ($2::date is null or known_on <= $2)"
        " and ($3::text is null or month >= $3) and ($4::text is null or month <= $4)"
        " group by month, metric, key",
        municipality,
        as_of,
        first,
        last,
    )
    return _figures_by(rows, "month")


def _figures_by(rows: list[Any], column: str) -> dict[str, Figures]:
    """Rows of (``column``, metric, key, value) as figures per value of ``column``, sorted;
    a cell whose figures are all empty is left out."""
    grouped: defaultdict[str, list[tuple[str, str, Decimal]]] = defaultdict(list)
    for row in rows:
        grouped[row[column]].append((row["metric"], row["key"], row["value"]))
    cells = {name: figures_from(found) for name, found in grouped.items()}
    return {name: f for name, f in sorted(cells.items()) if not f.is_empty}


async def active_cells(conn: Connection, as_of: date | None, last: str) -> list[tuple[str, str]]:
    """(municipality, month) with any figure, up to month ``last``: whose report is expected."""
    rows = await conn.fetch(
        "select municipality, month from figure_rows"
        " where month <= $2 and ($1::date is null or known_on <= $1)"
        " group by municipality, month having bool_or(value <> 0)"
        " order by month, municipality",
        as_of,
        last,
    )
    return [(row["municipality"], row["month"]) for row in rows]


@dataclass(frozen=True)
class SubmittedReport:
    municipality: str
    month: str
    first_submitted_on: date  # decides lateness; a resubmission does not make it late
    submitted_on: date  # of the newest submission, the one reconciled
    submissions: int
    figures: dict[str, Any]


async def reports(
    conn: Connection, as_of: date | None, month: str | None = None
) -> dict[tuple[str, str], SubmittedReport]:
    """(municipality, month) -> the newest report known by ``as_of``."""
    rows = await conn.fetch(
        "select municipality, month, submitted_on, figures,"
        " min(submitted_on) over w as first_submitted_on, count(*) over w as submissions,"
        " row_number() over (w order by known_on desc, submitted_on desc, event_id desc) as n"
        " from monthly_reports"
        " where ($1::date is null or known_on <= $1) and ($2::text is null or month = $2)"
        " window w as (partition by municipality, month)",
        as_of,
        month,
    )
    return {
        (row["municipality"], row["month"]): SubmittedReport(
            row["municipality"],
            row["month"],
            row["first_submitted_on"],
            row["submitted_on"],
            int(row["submissions"]),
            json.loads(row["figures"]),
        )
        for row in rows
        if row["n"] == 1
    }


async def known_months(conn: Connection, as_of: date | None) -> list[str]:
    rows = await conn.fetch(
        "select distinct month from figure_rows where ($1::date is null or known_on <= $1)"
        " order by month",
        as_of,
    )
    return [row["month"] for row in rows]
