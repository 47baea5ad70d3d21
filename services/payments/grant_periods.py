"""The grant's hours over time: one row per day the terms change (pay.py pays each day by
the period it falls in). Shared by the upstream handlers that grant, amend, hold back or
put in effect (``upstream.py``, ``in_effect.py``); every write is an upsert (idempotent)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.store.types import Connection


async def grant_period(
    conn: Connection, case_id: str, start: date, unit: str, hours: Decimal
) -> None:
    """The terms in force from ``start`` (a redelivery rewrites the same row)."""
    await conn.execute(
        "insert into grant_periods (case_id, effective_from, unit, hours)"
        " values ($1, $2, $3, $4) on conflict (case_id, effective_from)"
        " do update set unit = excluded.unit, hours = excluded.hours",
        case_id,
        start,
        unit,
        hours,
    )


async def change_terms(
    conn: Connection,
    case_id: str,
    start: date,
    unit: str,
    hours: Decimal,
    period_end: date,
) -> None:
    """New terms of a granted case from ``start``: the case's current terms and a period."""
    await conn.execute(
        "update cases set unit = $2, hours = $3, period_end = $4 where case_id = $1",
        case_id,
        unit,
        hours,
        period_end,
    )
    await grant_period(conn, case_id, start, unit, hours)
