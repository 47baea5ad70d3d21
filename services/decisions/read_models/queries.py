"""Queries on the read models (projections.py), answered as JSON-ready dictionaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from shared.store.types import Connection


def decimal_text(value: Decimal) -> str:
    """Exact, without exponent or trailing zeros: 20, 18.46."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def jsonable(record: asyncpg.Record) -> dict[str, Any]:
    """Dates as ISO text, decimals as text (exact, as in the events), the rest as is."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, date):
            out[key] = value.isoformat()
        elif isinstance(value, Decimal):
            out[key] = decimal_text(value)
        else:
            out[key] = value
    return out


async def _rows(conn: Connection, query: str, *args: Any) -> list[dict[str, Any]]:
    return [jsonable(r) for r in await conn.fetch(query, *args)]


async def list_cases(
    conn: Connection,
    municipality: str,
    *,
    status: str | None,
    overdue: bool | None,
    today: date,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """Cases of a municipality; ``overdue`` is true once recorded (``DecisionOverdue``) or,
    before the next check records it, for an open case already past its deadline (§5.4)."""
    return await _rows(
        conn,
        "select * from (select case_id, status, client_name, received_on, decision_deadline,"
        " (overdue or (status = 'open' and not left_without_progress"
        " and decision_deadline < $4)) as overdue, left_without_progress,"
        " overdue_detected_on, decided_on, decided_late, rule_set, unit, hours, period_start,"
        " period_end, suspended_from, terminated_from, termination_reason, closed_on,"
        " open_tasks, decisions from cases where municipality = $1) c"
        " where ($2::text is null or status = $2) and ($3::boolean is null or overdue = $3)"
        " order by decision_deadline, case_id limit $5 offset $6",
        municipality,
        status,
        overdue,
        today,
        limit,
        offset,
    )


async def _of_municipality(
    conn: Connection, table: str, columns: str, order: str, municipality: str, **only: str | None
) -> list[dict[str, Any]]:
    """``columns`` of the rows of ``table`` in ``municipality``, by ``order``; each of
    ``only`` (column = value) narrows them unless its value is None."""
    narrowed = "".join(
        f" and (${n}::text is null or {column} = ${n})" for n, column in enumerate(only, start=2)
    )
    return await _rows(
        conn,
        f"select {columns} from {table} where municipality = $1{narrowed} order by {order}",
        municipality,
        *only.values(),
    )


async def list_tasks(
    conn: Connection, municipality: str, status: str | None, case_id: str | None = None
) -> list[dict[str, Any]]:
    return await _of_municipality(
        conn,
        "tasks",
        "case_id, task_id, kind, description, effective_from, effective_until,"
        " source_report_id, status, closed_on, resolution",
        "case_id, task_id",
        municipality,
        status=status,
        case_id=case_id,
    )


async def list_assistants(conn: Connection, municipality: str) -> list[dict[str, Any]]:
    return await _of_municipality(
        conn,
        "assistants",
        "assistant_id, first_name, last_name, tax_status, registered_on",
        "last_name, first_name, assistant_id",
        municipality,
    )


async def get_assistant(
    conn: Connection, municipality: str, assistant_id: str
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "select assistant_id, personal_code, first_name, last_name, iban, tax_status,"
        " tax_book_held, experience, registered_on from assistants"
        " where municipality = $1 and assistant_id = $2",
        municipality,
        assistant_id,
    )
    return None if row is None else jsonable(row)


async def assignments(
    conn: Connection,
    municipality: str,
    *,
    assistant_id: str | None = None,
    case_id: str | None = None,
) -> list[dict[str, Any]]:
    return await _of_municipality(
        conn,
        "assignments",
        "assignment_id, assistant_id, case_id, assigned_from, weekly_hours, last_day, end_reason",
        "assigned_from, assignment_id",
        municipality,
        assistant_id=assistant_id,
        case_id=case_id,
    )


async def snapshot(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every read-model row, in a stable order: what a rebuild must reproduce."""
    keys = {
        "cases": "case_id",
        "tasks": "case_id, task_id",
        "assistants": "assistant_id",
        "assignments": "assignment_id",
    }
    out = {}
    for table, key in keys.items():
        out[table] = await _rows(conn, f"select * from {table} order by {key}")
    return out
